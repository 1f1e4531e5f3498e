using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Palettes.PaletteProtocol;

namespace Pbm.Runtime.Palettes;

/// <summary>
/// One per node at /user/pbm-palettes: knows the palettes registered on this node and their handler actors.
/// Listing asks the directory of every reachable member (scatter-gather, each answer awaited at most
/// pbm.palettes.gather-timeout), so the view is always the live cluster's: a service that stops takes its
/// palette with it, and no registry has to be kept consistent. A command runs on this node when it has the
/// palette, else on the first node (by address) that has it.
/// Strategy: handlers are not its children (they belong to the service that registered them); a handler that
/// stops is watched and its palette forgotten.
/// </summary>
internal sealed class PaletteDirectory : ReceiveActor
{
    public const string Name = "pbm-palettes";

    private readonly string _node;
    private readonly TimeSpan _gatherTimeout;
    private readonly TimeSpan _commandTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, (PaletteDefinition Palette, IActorRef Handler)> _palettes = new(StringComparer.Ordinal);

    public PaletteDirectory(string node, TimeSpan gatherTimeout, TimeSpan commandTimeout)
    {
        _node = node;
        _gatherTimeout = gatherTimeout;
        _commandTimeout = commandTimeout;
        Receive<Register>(OnRegister);
        Receive<Terminated>(t =>
        {
            foreach (var name in _palettes.Where(p => p.Value.Handler.Equals(t.ActorRef)).Select(p => p.Key).ToList())
            {
                _palettes.Remove(name);
                _log.Info("palette {0} is gone: its handler stopped", name);
            }
        });
        Receive<ListLocal>(_ => Sender.Tell(new LocalPalettes(_node, _palettes.Values.Select(p => p.Palette).ToList())));
        Receive<ListAll>(_ => GatherAsync().PipeTo(Sender, success: all => new AllPalettes(all)));
        Receive<Execute>(OnExecute);
    }

    public static Props Props(string node, TimeSpan gatherTimeout, TimeSpan commandTimeout) =>
        Akka.Actor.Props.Create(() => new PaletteDirectory(node, gatherTimeout, commandTimeout));

    private void OnRegister(Register r)
    {
        if (_palettes.TryGetValue(r.Palette.Name, out var existing) && !existing.Handler.Equals(r.Handler))
            _log.Warning("palette {0} registered again on this node: the newest handler answers", r.Palette.Name);
        _palettes[r.Palette.Name] = (r.Palette, r.Handler);
        Context.Watch(r.Handler);
        _log.Info("palette {0} registered ({1} commands)", r.Palette.Name, r.Palette.Commands.Count);
    }

    private void OnExecute(Execute e)
    {
        if (_palettes.TryGetValue(e.Palette, out var local))
        {
            RunLocal(local.Palette, local.Handler, e).PipeTo(Sender);
            return;
        }
        if (e.Forwarded)
        {
            Sender.Tell(new Executed(_node, $"palette {e.Palette} is no longer registered on {_node}", false, 404));
            return;
        }
        ForwardAsync(e).PipeTo(Sender);
    }

    private async Task<Executed> ForwardAsync(Execute e)
    {
        var system = Context.System; // Context is gone after the first await.
        var answers = await AskMembersAsync().ConfigureAwait(false);
        var owner = answers.FirstOrDefault(a => a.Answer.Palettes.Any(p => p.Name == e.Palette));
        if (owner.Answer is null)
            return new Executed(_node, $"unknown palette '{e.Palette}' (no node of the cluster registered it; pbm palettes lists them)", false, 404);
        try
        {
            return await system.ActorSelection(new RootActorPath(owner.Address) / "user" / Name)
                .Ask<Executed>(e with { Forwarded = true }, _commandTimeout + _gatherTimeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new Executed(owner.Answer.Node, $"{e.Palette} {e.Command}: node {owner.Answer.Node} did not answer within {(_commandTimeout + _gatherTimeout).TotalSeconds:0} s", false, 504);
        }
    }

    private async Task<Executed> RunLocal(PaletteDefinition palette, IActorRef handler, Execute e)
    {
        var command = palette.Command(e.Command);
        if (command is null)
            return new Executed(_node, $"unknown command '{e.Command}' of palette {palette.Name}: {string.Join(", ", palette.Commands.Select(c => c.Name))}", false, 404);
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in e.Arguments)
        {
            if (command.Arguments.All(a => a.Name != name))
                return new Executed(_node, $"{palette.Name} {command.Name}: unknown argument --{name}", false, 400);
            args[name] = value;
        }
        foreach (var a in command.Arguments.Where(a => !args.ContainsKey(a.Name)))
        {
            if (a.Required) return new Executed(_node, $"{palette.Name} {command.Name}: missing --{a.Name} ({a.Description})", false, 400);
            if (a.Default is not null) args[a.Name] = a.Default;
        }
        try
        {
            var answer = await handler.Ask<object>(new PaletteCommand(palette.Name, command.Name, args), _commandTimeout).ConfigureAwait(false);
            return answer switch
            {
                PaletteReply r => new Executed(_node, r.Output, r.Success, 200),
                string s => new Executed(_node, s, true, 200),
                Status.Failure f => new Executed(_node, $"{palette.Name} {command.Name} failed: {f.Cause.Message}", false, 500),
                _ => new Executed(_node, answer.ToString() ?? "", true, 200),
            };
        }
        catch (AskTimeoutException)
        {
            return new Executed(_node, $"{palette.Name} {command.Name}: the handler did not answer within {_commandTimeout.TotalSeconds:0} s", false, 504);
        }
    }

    private async Task<List<PaletteInfo>> GatherAsync()
    {
        var answers = await AskMembersAsync().ConfigureAwait(false);
        return answers.SelectMany(a => a.Answer.Palettes.Select(p => (a.Answer.Node, Palette: p)))
            .GroupBy(x => x.Palette.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PaletteInfo(g.First().Palette, g.Select(x => x.Node).Distinct().ToList()))
            .ToList();
    }

    /// <summary>The directories of every reachable Up member that answered, by address.</summary>
    private async Task<List<(Address Address, LocalPalettes Answer)>> AskMembersAsync()
    {
        var cluster = Cluster.Get(Context.System);
        var state = cluster.State;
        var addresses = state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !state.Unreachable.Contains(m))
            .Select(m => m.Address).Append(cluster.SelfAddress).Distinct()
            .OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        var system = Context.System;
        var asks = addresses.Select(async a =>
        {
            try
            {
                var answer = await system.ActorSelection(new RootActorPath(a) / "user" / Name).Ask<LocalPalettes>(ListLocal.Instance, _gatherTimeout).ConfigureAwait(false);
                return (a, answer);
            }
            catch (Exception x) when (x is AskTimeoutException or ActorNotFoundException)
            {
                // A member without a directory (not a pbm node) or too slow: it shows no palettes this time.
                return (a, (LocalPalettes?)null);
            }
        }).ToList();
        var all = await Task.WhenAll(asks).ConfigureAwait(false);
        return all.Where(x => x.Item2 is not null).Select(x => (x.a, x.Item2!)).ToList();
    }
}
