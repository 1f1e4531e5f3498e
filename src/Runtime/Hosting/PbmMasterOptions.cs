namespace Pbm.Runtime.Hosting;

/// <summary>Options of the master singleton carried by an embedded node (<see cref="PbmHostingExtensions.WithPbmMaster"/>); null keeps the HOCON default.</summary>
public sealed class PbmMasterOptions
{
    /// <summary>
    /// After the master starts, hosts named in the placement that have not registered within this long lose their
    /// instances to the hosts that did. Default: pbm.cluster.host-grace, 10s.
    /// </summary>
    public TimeSpan? HostGrace { get; set; }
}
