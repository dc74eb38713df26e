using ControlPlane;

var app = ControlPlaneApp.Create(args);
await app.RunAsync();
