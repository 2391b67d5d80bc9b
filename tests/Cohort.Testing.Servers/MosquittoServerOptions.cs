namespace Cohort.Testing.Servers;

/// <summary>
/// How a <see cref="MosquittoServer"/> authenticates and authorises clients. The default allows anonymous clients
/// to do anything; add <see cref="Users"/> (and usually an <see cref="Acl"/>) to test per-device credentials.
/// </summary>
public sealed class MosquittoServerOptions
{
    /// <summary>User names and their passwords, written to a <c>password_file</c> with <c>mosquitto_passwd -b</c>.</summary>
    public IDictionary<string, string> Users { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The text of Mosquitto's <c>acl_file</c> (lines such as <c>user alice</c>, <c>topic readwrite devices/alice/#</c>,
    /// <c>pattern write devices/%u/#</c>); null for no ACL (every authenticated client may use every topic).
    /// </summary>
    public string? Acl { get; set; }

    /// <summary>
    /// Whether clients without a user name may connect. Null (the default) means: yes when <see cref="Users"/> is
    /// empty, no when there are users.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>
    /// Whether the broker saves sessions, subscriptions and queued QoS 1/2 messages in its temp folder when it stops
    /// (Mosquitto's <c>persistence true</c>), so a graceful restart keeps them. Default false.
    /// </summary>
    public bool Persistence { get; set; }

    /// <summary>
    /// More lines for <c>mosquitto.conf</c>, e.g. <c>max_queued_messages 0</c> (Mosquitto drops QoS 1 messages beyond
    /// 1,000 queued for one client by default, which a burst of publishers reaches easily). Null for none.
    /// </summary>
    public string? ExtraConfig { get; set; }
}
