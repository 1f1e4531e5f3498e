using Akka.Actor;

namespace Pbm.Runtime.Control;

/// <summary>The live actors under /user of this node, found with Identify level by level (`pbm actor hierarchy`).</summary>
internal static class ActorHierarchy
{
    public static async Task<IReadOnlyList<string>> CollectAsync(ActorSystem system, int depth)
    {
        var found = new List<string>();
        for (var level = 1; level <= depth; level++)
        {
            var pattern = "/user" + string.Concat(Enumerable.Repeat("/*", level));
            var collector = system.ActorOf(Props.Create(() => new Collector()));
            system.ActorSelection(pattern).Tell(new Identify(level), collector);
            await Task.Delay(150);
            var paths = await collector.Ask<List<string>>(Collector.Get.Instance, TimeSpan.FromSeconds(2));
            collector.Tell(PoisonPill.Instance);
            if (paths.Count == 0) break;
            found.AddRange(paths);
        }
        return found.Order(StringComparer.Ordinal).ToList();
    }

    private sealed class Collector : ReceiveActor
    {
        private readonly List<string> _paths = [];

        public Collector()
        {
            Receive<ActorIdentity>(id =>
            {
                if (id.Subject is { } subject) _paths.Add(subject.Path.ToStringWithoutAddress());
            });
            Receive<Get>(_ => Sender.Tell(_paths.ToList()));
        }

        public sealed record Get
        {
            public static readonly Get Instance = new();
        }
    }
}
