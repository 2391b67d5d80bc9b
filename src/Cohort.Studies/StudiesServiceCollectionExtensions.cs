using System.Diagnostics.Metrics;
using Cohort.Studies.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort.Studies: the job scheduler (a hosted service) and its job store.</summary>
public static class StudiesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="JobScheduler"/> singleton and its hosted service, with options validated at start,
    /// and a <see cref="SqliteJobStore"/> in <c>cohort-jobs.db</c> of the working folder unless an
    /// <see cref="IJobStore"/> is registered (see <see cref="AddCohortPostgresJobStore"/>).
    /// </summary>
    public static IServiceCollection AddCohortJobs(this IServiceCollection services, Action<JobSchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<JobSchedulerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobSchedulerOptions>, JobSchedulerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IJobStore>(static provider => new SqliteJobStore(
            Path.Combine(Environment.CurrentDirectory, "cohort-jobs.db"), provider.GetService<TimeProvider>()));
        services.TryAddSingleton(static provider => new JobScheduler(
            provider.GetRequiredService<IOptions<JobSchedulerOptions>>().Value,
            provider.GetRequiredService<IJobStore>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<JobScheduler>>(),
            provider.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobSchedulerHostedService>());
        return services;
    }

    /// <summary>Adds a recurring job to the scheduler (<see cref="AddCohortJobs"/> registers the scheduler).</summary>
    public static IServiceCollection AddCohortJob(this IServiceCollection services, JobDefinition job)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(job);
        services.Configure<JobSchedulerOptions>(o => o.Jobs.Add(job));
        return services;
    }

    /// <summary>
    /// Uses a <see cref="PostgresJobStore"/> for job state and claims (advisory locks): each occurrence runs on one of
    /// the hosts sharing the database. Call before <see cref="AddCohortJobs"/> or instead of its SQLite default.
    /// </summary>
    public static IServiceCollection AddCohortPostgresJobStore(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        services.RemoveAll<IJobStore>();
        services.AddSingleton<IJobStore>(_ => new PostgresJobStore(connectionString));
        return services;
    }

    /// <summary>Uses a <see cref="SqliteJobStore"/> in the file at <paramref name="path"/> for job state (single host).</summary>
    public static IServiceCollection AddCohortSqliteJobStore(this IServiceCollection services, string path)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(path);
        services.RemoveAll<IJobStore>();
        services.AddSingleton<IJobStore>(provider => new SqliteJobStore(path, provider.GetService<TimeProvider>()));
        return services;
    }
}

internal sealed class JobSchedulerOptionsValidator : IValidateOptions<JobSchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, JobSchedulerOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
