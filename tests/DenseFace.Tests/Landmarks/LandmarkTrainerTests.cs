using DenseFace.Training.Landmarks;

namespace DenseFace.Tests.Landmarks;

public class LandmarkTrainerTests
{
    static LandmarkTrainingConfig Tiny() => new()
    {
        Layout = "ibug68", InputSize = 64, WidthMultiplier = 0.25, BatchSize = 2, Steps = 4, WarmupSteps = 1, Threads = 1,
        SyntheticFraction = 0, PhotoFolders = ["data/300w/afw"], PseudoLabels = null, Textures = null,
        DevEvery = 1000, LogEvery = 1, CheckpointMinutes = 1000,
    };

    [Fact]
    public void AResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var root = Directory.CreateTempSubdirectory("denseface-train-").FullName;
        try
        {
            string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
            new LandmarkTrainer(Tiny(), a).Run(resume: false);
            // the same run, cancelled after step 2 (a checkpoint is written on cancellation), then resumed
            using (var cts = new CancellationTokenSource())
            {
                var progress = new Progress(p => { if (p.Step >= 2 && p.Message is null) cts.Cancel(); });
                new LandmarkTrainer(Tiny(), b).Run(resume: false, progress, cts.Token);
            }
            Assert.Contains("\"Step\":2", File.ReadAllText(Path.Combine(b, "checkpoint", "state.json")));
            new LandmarkTrainer(Tiny(), b).Run(resume: true);
            foreach (var f in new[] { "model.safetensors", "ema.safetensors", "adam.safetensors" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, "checkpoint", f)), File.ReadAllBytes(Path.Combine(b, "checkpoint", f)));
            // the log has one row per step, also across the resume
            Assert.Equal(5, File.ReadAllLines(Path.Combine(b, "log.csv")).Length);
            Assert.True(File.Exists(Path.Combine(a, "best", "landmarks.safetensors")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void BadConfigNamesTheFile()
    {
        var f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, "{\"steps\": 0}");
            var e = Assert.Throws<InvalidInputException>(() => LandmarkTrainingConfig.Load(f));
            Assert.Contains(f, e.Message);
            File.WriteAllText(f, "{\"stepz\": 10}");
            Assert.Throws<InvalidInputException>(() => LandmarkTrainingConfig.Load(f));
        }
        finally { File.Delete(f); }
    }

    sealed class Progress(Action<TrainingProgress> a) : IProgress<TrainingProgress> { public void Report(TrainingProgress p) => a(p); }
}
