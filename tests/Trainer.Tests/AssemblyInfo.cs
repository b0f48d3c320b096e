using Xunit;

// Torch tests share the global generator and both CPU cores; running them one at a time keeps
// seeded results exact and timings sane.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
