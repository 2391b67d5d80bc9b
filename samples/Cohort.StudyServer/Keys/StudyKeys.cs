using System.Security.Cryptography;
using Cohort.Encryption;

namespace Cohort.StudyServer.Keys;

/// <summary>
/// The study's keys in its key folder: the RSA-2048 transport key phones encrypt for, the 32-byte master key that
/// protects data at rest, and the salt of participant identifiers. Missing keys are generated once, at start.
/// </summary>
internal static class StudyKeys
{
    /// <summary>Creates the key folder and any missing key; returns the names of the keys it generated.</summary>
    public static IReadOnlyList<string> EnsureCreated(StudyServerOptions options)
    {
        string directory = options.ResolvedKeyDirectory;
        Directory.CreateDirectory(directory);
        List<string> created = [];

        string transport = Path.Combine(directory, options.StudyId + ".pem");
        if (!File.Exists(transport))
        {
            using RSA key = RsaKeys.Generate();
            WritePrivate(transport, RsaKeys.ExportPem(key, RsaPemFormat.Pkcs1PrivateKey));
            created.Add(options.StudyId);
        }

        foreach (string id in (string[])[options.MasterKeyId, options.SaltKeyId])
        {
            if (!Directory.EnumerateFiles(directory, id + ".v*.key").Any())
            {
                WritePrivate(Path.Combine(directory, id + ".v1.key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                created.Add(id);
            }
        }

        return created;
    }

    private static void WritePrivate(string path, string content)
    {
        // Written under a temporary name, then renamed: a crash never leaves half a key behind.
        string temporary = path + ".tmp";
        FileStreamOptions only = new() { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            only.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (StreamWriter writer = new(temporary, only))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: false);
    }
}
