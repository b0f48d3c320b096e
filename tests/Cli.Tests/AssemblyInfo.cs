// The commands write to the process-wide Console, which the tests redirect; one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
