using System.Globalization;

namespace Cohort.Quickstart;

/// <summary>The command line: <c>--duration &lt;seconds&gt;</c>, <c>--houses &lt;n&gt;</c>, <c>--out &lt;dir&gt;</c>, <c>--help</c>.</summary>
internal sealed record QuickstartOptions
{
    public const string Usage = """
        Usage: dotnet run --project samples/Cohort.Quickstart [-- options]

          --duration <seconds>  wall-clock seconds the simulated day takes (default 30; 1 to 3600)
          --houses <n>          simulated houses (default 6; 1 to 50)
          --out <dir>           where the store, the durable log, the chart and report.json go
                                (default ./cohort-quickstart; a previous quickstart run there is replaced)
          --help                this text

        Ctrl+C stops early and cleanly: what was read is written, then the report covers the hours simulated so far.
        """;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public int Houses { get; init; } = 6;

    public string OutputDirectory { get; init; } = "cohort-quickstart";

    public bool Help { get; init; }

    /// <summary>Reads the arguments; on a bad one returns false with an error that names it.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out QuickstartOptions options, out string? error)
    {
        options = new QuickstartOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h" or "-?")
            {
                options = options with { Help = true };
                continue;
            }

            if (name is not ("--duration" or "--houses" or "--out"))
            {
                error = $"Unknown option '{name}' (argument {i + 1}).";
                return false;
            }

            if (i + 1 >= args.Count)
            {
                error = $"Option '{name}' needs a value.";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--duration":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 3600)
                    {
                        error = $"--duration: '{value}' is not a number of seconds between 1 and 3600.";
                        return false;
                    }

                    options = options with { Duration = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--houses":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var houses) || houses is < 1 or > 50)
                    {
                        error = $"--houses: '{value}' is not a whole number between 1 and 50.";
                        return false;
                    }

                    options = options with { Houses = houses };
                    break;
                default:
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = "--out: the folder must not be empty.";
                        return false;
                    }

                    options = options with { OutputDirectory = value };
                    break;
            }
        }

        return true;
    }
}
