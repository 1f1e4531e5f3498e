using Pbm.Client;

namespace Pbm.Runtime.Config;

/// <summary>The home this node works in (PBM_HOME), handed to the actors that touch files.</summary>
public sealed record PbmPaths(PbmHome Home);
