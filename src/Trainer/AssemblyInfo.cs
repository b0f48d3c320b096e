using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("KappaFace.MLNet.Trainer.Tests")]
