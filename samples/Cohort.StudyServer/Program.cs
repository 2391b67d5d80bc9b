// The study server: participant registration, encrypted uploads, DACC-style measures and aggregates, /status.
// Configuration: appsettings.json (sections "Study" and "Aggregation"), environment variables, command line.
await Cohort.StudyServer.StudyServerApp.Create(args).RunAsync();
