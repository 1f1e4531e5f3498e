// An ASP.NET Core service that embeds a pbm host agent: it joins the cluster named by PBM_SEEDS (or --seeds),
// runs the instances the master places on it, registers the `greeter` palette (pbm greeter hello --name X), and
// serves HTTP on ASPNETCORE_URLS (GET / and GET /greet/{name}). See README.md.
using Akka.Actor;
using Akka.Hosting;
using EmbeddedService;
using Pbm.Client.Contracts;
using Pbm.Runtime.Hosting;

var builder = WebApplication.CreateBuilder(args);
var options = new PbmHostOptions
{
    // Null keeps pbm's defaults: PBM_SEEDS / CLUSTER_PORT / CLUSTER_IP from the environment, MACHINE:PORT as the name.
    Seeds = builder.Configuration["seeds"]?.Split(',', StringSplitOptions.RemoveEmptyEntries),
    Port = int.TryParse(builder.Configuration["cluster-port"], out var port) ? port : null,
    NodeName = builder.Configuration["node-name"],
};
var greeter = new PaletteDefinition("greeter", "greetings from the embedded service",
[
    new CommandDefinition("hello", "greet someone",
    [
        new ArgumentDefinition("name", "who to greet", Required: true),
        new ArgumentDefinition("shout", "in capitals", IsFlag: true),
    ]),
    new CommandDefinition("count", "how many greetings this node gave", []),
]);

builder.Services.AddAkka("pbm", (akka, _) =>
{
    akka.WithPbmHost(options)
        .WithPbmPalette(greeter, system => system.ActorOf(Props.Create(() => new GreeterHandler(system.Settings.Config.GetString("pbm.node-name", ""))), "greeter"));
    if (builder.Configuration["master"] is "true") akka.WithPbmMaster();
});

var app = builder.Build();
app.MapGet("/", (ActorSystem system) => $"EmbeddedService on pbm node {system.Settings.Config.GetString("pbm.node-name", "")}\n");
app.MapGet("/greet/{name}", (string name) => $"Hello, {name}!\n");
app.Run();
