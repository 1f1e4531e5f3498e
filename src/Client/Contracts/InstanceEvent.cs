namespace Pbm.Client.Contracts;

/// <summary>A lifecycle event of an instance (started, exited, restart decided, errored, stopped), for <c>pbm show</c>.</summary>
public sealed record InstanceEvent(DateTimeOffset At, string Text);
