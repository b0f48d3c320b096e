using Xunit;

// The examples train networks on the two shared CPU cores, and the notebook test changes the current
// directory: run the tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
