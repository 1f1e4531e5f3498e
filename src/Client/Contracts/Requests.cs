namespace Pbm.Client.Contracts;

/// <summary>Body of POST /api/apps/{target}/scale: "N", "+N" or "-N".</summary>
public sealed record ScaleRequest(string Count)
{
    /// <summary>With a count MIN..MAX: the targets the autoscaler keeps (Min and Max are taken from the count).</summary>
    public AutoscaleSpec? Autoscale { get; init; }
}

/// <summary>Body of POST /api/save and /api/resurrect: a dump name or path; null means PBM_HOME/dump.json.</summary>
public sealed record DumpRequest(string? Name);

/// <summary>Body of POST /api/apps/{target}/restart: with <paramref name="Spec"/> (pbm restart --update-env), the app's spec is replaced by it first.</summary>
public sealed record RestartRequest(IReadOnlyDictionary<string, string>? Env = null, AppSpec? Spec = null);

/// <summary>Body of POST /api/apps/{target}/signal: the signal's name (SIGUSR2, USR2) or number.</summary>
public sealed record SignalRequest(string Signal);

/// <summary>Body of POST /api/apps/{app}/reload: instances replaced at a time.</summary>
public sealed record ReloadRequest(int Parallel = 1);

/// <summary>Body of POST /api/apps/{app}/deploy: the new version's spec (resolved by the CLI), rolled out like a reload.</summary>
public sealed record DeployRequest(AppSpec Spec, int Parallel = 1);
