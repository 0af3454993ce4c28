using System.Diagnostics;
using FashionMnistSample;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>--trainer [rounds]</c>: what <see cref="Trainer{T}.Fit(Dataset{T}, Dataset{T}, IProgress{TrainingProgress}, System.Threading.CancellationToken)"/>
/// costs beyond the training steps it runs. One epoch of the Fashion-MNIST MLP at batch 128 over 60,000 synthetic
/// samples (the step's cost does not depend on the pixel values), four ways, interleaved round by round so that a
/// busy machine slows them alike: the bare loop (TrainStep + Adam step over the same batches, already in order),
/// <c>Fit</c> with the default options (running training accuracy from the batches), <c>Fit</c> with the
/// peers' options (no accuracy at all), and <c>Fit</c> with the training accuracy from an inference pass (the old default). Prints every round and the median of each, and the ratios of medians.
/// </summary>
internal static class TrainerOverhead
{
    private const int Samples = 60_000, Batch = 128;

    public static void Run(int rounds, int threads)
    {
        NetGenOptions.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPath}; threads {NetGenOptions.MaxDegreeOfParallelism}; {Environment.ProcessorCount} cores; {Samples} samples, batch {Batch}, {rounds} rounds; load {LoadAverage()}");
        (float[] features, int[] labels, Dataset<float> data) = TrainerOverhead.StandInData(Samples);

        // The bare loop trains on the batches Fit would draw with its seed, gathered once beforehand.
        var order = new int[Samples];
        var shuffler = new SplitMixShuffler(1);
        new InMemorySource<float>(data).BeginEpoch(order, ref shuffler, shuffle: true);
        var shuffledFeatures = new float[features.Length];
        var shuffledLabels = new int[Samples];
        for (int i = 0; i < Samples; i++)
        {
            features.AsSpan(order[i] * FashionMlp.InputSize, FashionMlp.InputSize).CopyTo(shuffledFeatures.AsSpan(i * FashionMlp.InputSize));
            shuffledLabels[i] = labels[order[i]];
        }

        Parts(data, order);
        var bare = new List<double>();
        var fitDefault = new List<double>();
        var fitPeers = new List<double>();
        var fitInference = new List<double>();
        var fitInLine = new List<double>();
        Warm(data, shuffledFeatures, shuffledLabels);
        for (int round = 0; round < rounds; round++)
        {
            // Rotate the order in which the three run, so no one always follows the same neighbour.
            for (int k = 0; k < 5; k++)
            {
                switch ((round + k) % 5)
                {
                    case 4:
                        Trainer<float>.GatherAhead = false;
                        fitInLine.Add(Fit(data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = false }));
                        Trainer<float>.GatherAhead = true;
                        break;
                    case 0:
                        bare.Add(Bare(shuffledFeatures, shuffledLabels));
                        break;
                    case 1:
                        fitDefault.Add(Fit(data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = false }));
                        break;
                    case 2:
                        fitInference.Add(Fit(data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = false, TrainingAccuracySource = TrainingAccuracySource.InferencePass }));
                        break;
                    default:
                        fitPeers.Add(Fit(data, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, TrainingAccuracy = false, ComputeAccuracy = false, ReportBatches = false }));
                        break;
                }
            }

            Console.WriteLine($"round {round + 1}: bare {bare[^1]:F3} s, Fit (default) {fitDefault[^1]:F3} s, Fit (no accuracy) {fitPeers[^1]:F3} s, Fit (inference pass) {fitInference[^1]:F3} s, Fit (default, batch gathered in line) {fitInLine[^1]:F3} s");
        }

        double b = Median(bare), d = Median(fitDefault), p = Median(fitPeers), f = Median(fitInference);
        Console.WriteLine($"median: bare {b:F3} s (min {bare.Min():F3}, max {bare.Max():F3}), Fit (default) {d:F3} s (min {fitDefault.Min():F3}, max {fitDefault.Max():F3}), Fit (no accuracy) {p:F3} s (min {fitPeers.Min():F3}, max {fitPeers.Max():F3})");
        double l = Median(fitInLine);
        Console.WriteLine($"Fit / bare: default {d / b:F3}, no accuracy {p / b:F3}, inference pass {f / b:F3}, default with the batch gathered in line {l / b:F3}; per step: bare {b / StepsPerEpoch * 1e3:F3} ms, Fit overhead {(d - b) / StepsPerEpoch * 1e6:F0} µs (default), {(p - b) / StepsPerEpoch * 1e6:F0} µs (no accuracy), {(l - b) / StepsPerEpoch * 1e6:F0} µs (gathered in line)");
        Console.WriteLine($"load after: {LoadAverage()}");
    }

    /// <summary>The trainer's per-step extras one by one, in µs per call (best of 5 × 200 calls).</summary>
    private static void Parts(Dataset<float> data, int[] order)
    {
        var network = new FashionMlp(1);
        var plain = new Adam<float>(learningRate: 0.001);
        var keeping = new Adam<float>(learningRate: 0.001);
        var source = new InMemorySource<float>(data);
        var inputs = new float[Batch * FashionMlp.InputSize];
        network.TrainStep(data.Features.AsSpan(0, Batch * FashionMlp.InputSize), data.Labels.AsSpan(0, Batch));
        var snapshot = new StepSnapshot<float>(network, keeping);
        plain.Step(network.Parameters, network.Gradients);
        keeping.Step(network.Parameters, network.Gradients);
        int start = 0;
        double Micro(Action action)
        {
            double best = double.MaxValue;
            for (int r = 0; r < 5; r++)
            {
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < 200; i++)
                {
                    action();
                }

                best = Math.Min(best, watch.Elapsed.TotalMilliseconds * 1e3 / 200);
            }

            return best;
        }

        double gather = Micro(() =>
        {
            source.CopyFeatures(order, start, Batch, inputs);
            start = (start + Batch) % (Samples - Batch);
        });
        double save = Micro(snapshot.Save);
        double norm = Micro(() => GradientClipping.GlobalNorm<float>(network.Gradients));
        double check = Micro(() => GuardScan.AllWithin<float>(network.Parameters, float.MaxValue));
        double adamPlain = Micro(() => plain.Step(network.Parameters, network.Gradients));
        double adamKeeping = Micro(() => keeping.Step(network.Parameters, network.Gradients));
        var copy = new float[network.Parameters.Length];
        float limit = MathF.Sqrt(float.MaxValue);
        double guarded = Micro(() =>
        {
            snapshot.SaveExceptParameters();
            keeping.StepGuarded(network.Parameters, network.Gradients, copy, limit);
        });
        double checkedStep = Micro(() =>
        {
            snapshot.SaveExceptParameters();
            keeping.StepChecked(network.Parameters, network.Gradients, snapshot.Parameters, limit, out _);
        });
        Console.WriteLine($"per step, µs: gather {gather:F0}, snapshot {save:F0}, gradient norm {norm:F0}, parameter check {check:F0}, Adam {adamPlain:F0} (keeping the previous moments {adamKeeping:F0}; "
            + $"the guarded step, copy and check fused, with the state snapshot {guarded:F0}; the trainer's checked step without clipping, the norm fused too, into the aligned snapshot {checkedStep:F0})");
    }

    /// <summary>
    /// <c>--trainer-steps [rounds] [threads]</c>: the same epoch timed step by step (the time between the ends of two
    /// consecutive batches, from a progress report in <c>Fit</c>), so that a step slowed by another process's time
    /// slice is an outlier instead of a share of the total: the median step of the bare loop, of <c>Fit</c> and of
    /// <c>Fit</c> with the batch gathered in line (<see cref="Trainer{T}.GatherAhead"/> off), interleaved round by round.
    /// </summary>
    public static void StepTimes(int rounds, int threads)
    {
        NetGenOptions.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"NetGen kernels: {NetGenOptions.KernelPath}; threads {NetGenOptions.MaxDegreeOfParallelism}; {Environment.ProcessorCount} cores; {rounds} rounds; load {LoadAverage()}");
        (float[] features, int[] labels, Dataset<float> data) = StandInData(Samples);
        var order = new int[Samples];
        var shuffler = new SplitMixShuffler(1);
        new InMemorySource<float>(data).BeginEpoch(order, ref shuffler, shuffle: true);
        var shuffledFeatures = new float[features.Length];
        var shuffledLabels = new int[Samples];
        for (int i = 0; i < Samples; i++)
        {
            features.AsSpan(order[i] * FashionMlp.InputSize, FashionMlp.InputSize).CopyTo(shuffledFeatures.AsSpan(i * FashionMlp.InputSize));
            shuffledLabels[i] = labels[order[i]];
        }

        string[] names = { "bare", "Fit", "Fit, batch gathered in line" };
        var steps = names.Select(_ => new List<double>()).ToArray();
        var epochMedians = names.Select(_ => new List<double>()).ToArray();
        var recorder = new StepRecorder(StepsPerEpoch);
        var options = new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = true };
        for (int round = -1; round < rounds; round++)
        {
            for (int k = 0; k < names.Length; k++)
            {
                int v = (Math.Max(round, 0) + k) % names.Length;
                recorder.Clear();
                if (v == 0)
                {
                    BareSteps(shuffledFeatures, shuffledLabels, recorder);
                }
                else
                {
                    Trainer<float>.GatherAhead = v == 1;
                    var trainer = new Trainer<float>(new FashionMlp(1), new Adam<float>(learningRate: 0.001), options);
                    recorder.Mark();
                    trainer.Fit(data, progress: recorder);
                    Trainer<float>.GatherAhead = true;
                }

                if (round >= 0)
                {
                    List<double> these = recorder.Steps();
                    steps[v].AddRange(these);
                    epochMedians[v].Add(Median(these));
                }
            }
        }

        double bare = Median(steps[0]);
        for (int v = 0; v < names.Length; v++)
        {
            double m = Median(steps[v]);
            Console.WriteLine($"{names[v],-28} median step {m * 1e6:F0} µs ({m / bare:F3} × bare; epochs' medians {string.Join(", ", epochMedians[v].Select(e => (e * 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} µs)");
        }

        // On a loaded machine most steps lose some time slices; the fastest tenth and quarter are the steps that lost none.
        double Quantile(List<double> values, double q)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted[(int)(q * (sorted.Count - 1))];
        }

        foreach (double q in new[] { 0.1, 0.25 })
        {
            Console.WriteLine($"{q:P0} quantile of the steps: bare {Quantile(steps[0], q) * 1e6:F0} µs, Fit {Quantile(steps[1], q) * 1e6:F0} µs ({Quantile(steps[1], q) / Quantile(steps[0], q):F3} × bare), Fit gathered in line {Quantile(steps[2], q) * 1e6:F0} µs ({Quantile(steps[2], q) / Quantile(steps[0], q):F3} × bare)");
        }

        Console.WriteLine($"Fit / bare (median steps): {Median(steps[1]) / bare:F3}; gathered in line {Median(steps[2]) / bare:F3}; ratio of the epochs' medians, median: {Median(epochMedians[1].Zip(epochMedians[0], (f, b) => f / b).ToList()):F3} and {Median(epochMedians[2].Zip(epochMedians[0], (f, b) => f / b).ToList()):F3}; load after {LoadAverage()}");
    }

    private static void BareSteps(float[] features, int[] labels, StepRecorder recorder)
    {
        var network = new FashionMlp(1);
        var adam = new Adam<float>(learningRate: 0.001);
        recorder.Mark();
        for (int start = 0; start < labels.Length; start += Batch)
        {
            int n = Math.Min(Batch, labels.Length - start);
            network.TrainStep(features.AsSpan(start * FashionMlp.InputSize, n * FashionMlp.InputSize), labels.AsSpan(start, n));
            adam.Step(network.Parameters, network.Gradients);
            recorder.Report(default);
        }
    }

    /// <summary>Timestamps of the batch reports, kept in a buffer allocated once.</summary>
    private sealed class StepRecorder : IProgress<TrainingProgress>
    {
        private readonly long[] _stamps;
        private int _count;

        public StepRecorder(int steps) => _stamps = new long[steps + 2];

        public void Clear() => _count = 0;

        public void Mark() => _stamps[_count++] = Stopwatch.GetTimestamp();

        public void Report(TrainingProgress value)
        {
            if (value.Kind == ProgressKind.Batch)
            {
                _stamps[_count++] = Stopwatch.GetTimestamp();
            }
        }

        // The first step (after the epoch's shuffle and the first gather) is left out: every other one is a whole batch.
        public List<double> Steps() => Enumerable.Range(2, _count - 2).Select(i => (double)(_stamps[i] - _stamps[i - 1]) / Stopwatch.Frequency).ToList();
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    private static int StepsPerEpoch => (Samples + Batch - 1) / Batch;

    /// <summary>Stand-in Fashion-MNIST: pixel-like features and seeded labels for the MLP, the same in every probe.</summary>
    internal static (float[] Features, int[] Labels, Dataset<float> Data) StandInData(int samples)
    {
        float[] features = GemmBenchmarks.Random(samples * FashionMlp.InputSize, 7);
        var labels = new int[samples];
        var random = new Random(3);
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(FashionMlp.OutputSize);
        }

        return (features, labels, new Dataset<float>(features, FashionMlp.InputSize, labels));
    }

    private static void Warm(Dataset<float> data, float[] features, int[] labels)
    {
        // Tier the step, the optimizer and the trainer's loop up before anything is timed.
        Dataset<float> part = data.Slice(0, 40 * Batch);
        for (int i = 0; i < 3; i++)
        {
            Fit(part, new TrainerOptions { Epochs = 1, BatchSize = Batch, Seed = 1, ReportBatches = false });
            Bare(features.AsSpan(0, 40 * Batch * FashionMlp.InputSize).ToArray(), labels.AsSpan(0, 40 * Batch).ToArray());
        }
    }

    /// <summary>The bare loop: TrainStep + Adam over the batches in order, as <c>Fit</c> runs them.</summary>
    internal static double Bare(float[] features, int[] labels)
    {
        var network = new FashionMlp(1);
        var adam = new Adam<float>(learningRate: 0.001);
        int count = labels.Length;
        var watch = Stopwatch.StartNew();
        for (int start = 0; start < count; start += Batch)
        {
            int n = Math.Min(Batch, count - start);
            network.TrainStep(features.AsSpan(start * FashionMlp.InputSize, n * FashionMlp.InputSize), labels.AsSpan(start, n));
            adam.Step(network.Parameters, network.Gradients);
        }

        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>One <c>Fit</c> epoch of a fresh Fashion MLP with Adam.</summary>
    internal static double Fit(Dataset<float> data, TrainerOptions options)
    {
        var network = new FashionMlp(1);
        var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.001), options);
        var watch = Stopwatch.StartNew();
        trainer.Fit(data);
        return watch.Elapsed.TotalSeconds;
    }

    // The middle value, or the mean of the two middle ones.
    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
