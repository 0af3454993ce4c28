using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>Reports synchronously on the training thread (unlike <see cref="Progress{T}"/>).</summary>
    internal sealed class Recorder : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = new();

        public Action<TrainingProgress>? OnReport { get; set; }

        public void Report(TrainingProgress value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    public class TrainerTests
    {
        private static readonly Dataset<double> OneSample = new(new[] { 0.5 }, 1, new[] { 0 });
        private static readonly Dataset<double> OneValidationSample = new(new[] { 0.25 }, 1, new[] { 0 });

        [Fact]
        public void EarlyStopping_RestoresTheBestEpoch()
        {
            // θ after epoch e is e, validation loss (e − 3)²: 4, 1, 0, 1, 4 → best at epoch 3; patience 2 stops after epoch 5.
            var network = new ScriptedNetwork();
            var trainer = new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions
            {
                Epochs = 20,
                BatchSize = 1,
                EarlyStopping = new EarlyStopping { Patience = 2 },
            });

            TrainingResult result = trainer.Fit(OneSample, OneValidationSample);

            Assert.Equal(StopReason.EarlyStopped, result.StopReason);
            Assert.Equal(5, result.History.Count);
            Assert.Equal(3, result.BestEpoch);
            Assert.True(result.RestoredBest);
            Assert.Equal(new double[] { 4, 1, 0, 1, 4 }, result.History.ValidationLoss);
            Assert.Equal(3.0, network.Parameters[0]); // parameters of epoch 3 …
            Assert.Equal(3.0, network.State[0]);      // … and its state (3 TrainStep calls by then)
            Assert.Equal(5, network.TrainSteps);
        }

        [Fact]
        public void EarlyStopping_WithoutRestore_KeepsTheLastEpoch()
        {
            var network = new ScriptedNetwork();
            var trainer = new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions
            {
                Epochs = 20,
                BatchSize = 1,
                EarlyStopping = new EarlyStopping { Patience = 2, RestoreBest = false },
            });

            TrainingResult result = trainer.Fit(OneSample, OneValidationSample);
            Assert.False(result.RestoredBest);
            Assert.Equal(5.0, network.Parameters[0]);
        }

        [Fact]
        public void EarlyStopping_OnValidationLoss_NeedsAValidationSet()
        {
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { EarlyStopping = new EarlyStopping() });
            var e = Assert.Throws<ArgumentException>(() => trainer.Fit(OneSample));
            Assert.Contains("validation", e.Message);
        }

        [Fact]
        public void EarlyStopping_OnAccuracyThatNeverImproves_KeepsTheFirstEpoch()
        {
            // The scripted network always predicts class 0 and every label is 0: accuracy 1 from epoch 1 on.
            var network = new ScriptedNetwork();
            var trainer = new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions
            {
                Epochs = 10,
                BatchSize = 1,
                EarlyStopping = new EarlyStopping { Patience = 3, Metric = MonitoredMetric.ValidationAccuracy },
            });

            TrainingResult result = trainer.Fit(OneSample, OneValidationSample);
            Assert.Equal(StopReason.EarlyStopped, result.StopReason);
            Assert.Equal(4, result.History.Count);
            Assert.Equal(1, result.BestEpoch);
            Assert.Equal(1.0, network.Parameters[0]);
            Assert.Equal(1.0, network.State[0]);
        }

        [Fact]
        public void BatchLoop_AllocatesNothing()
        {
            // 20 batches of 10; the allocation counter must not move between the reports of batches 3 and 19.
            Dataset<double> data = TestDatasets.Blobs(200, 8);
            var recorder = new Recorder();
            recorder.Reports.Capacity = 1000;
            long atBatch3 = -1, atBatch19 = -1;
            recorder.OnReport = p =>
            {
                if (p.Kind == ProgressKind.Batch && p.Epoch == 2 && p.Batch == 3)
                {
                    atBatch3 = GC.GetAllocatedBytesForCurrentThread();
                }
                else if (p.Kind == ProgressKind.Batch && p.Epoch == 2 && p.Batch == 19)
                {
                    atBatch19 = GC.GetAllocatedBytesForCurrentThread();
                }
            };

            var options = new TrainerOptions { Epochs = 2, BatchSize = 10, ClipNorm = 1, ClipValue = 1 };
            new Trainer<double>(new SoftmaxRegression<double>(2, 2), new Adam<double>(0.01), options).Fit(data, null, recorder);
            Assert.True(atBatch3 > 0);
            Assert.Equal(atBatch3, atBatch19);
        }

        [Fact]
        public void DropLastBatch_SkipsTheRemainder()
        {
            var network = new ScriptedNetwork();
            var data = new Dataset<double>(new double[10], 1, new int[10]);
            new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions { Epochs = 1, BatchSize = 4, DropLastBatch = true }).Fit(data);
            Assert.Equal(2, network.TrainSteps);
            new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions { Epochs = 1, BatchSize = 4 }).Fit(data);
            Assert.Equal(5, network.TrainSteps);
        }

        [Fact]
        public void Cancellation_StopsBetweenBatches()
        {
            // 10 samples, batch 2 → 5 batches per epoch; cancel while batch 3 is being reported.
            var data = new Dataset<double>(new double[10], 1, new int[10]);
            var network = new ScriptedNetwork();
            var optimizer = new Sgd<double>(1.0);
            using var cancellation = new CancellationTokenSource();
            var recorder = new Recorder();
            recorder.OnReport = p =>
            {
                if (p.Kind == ProgressKind.Batch && p.Batch == 3)
                {
                    cancellation.Cancel();
                }
            };

            var trainer = new Trainer<double>(network, optimizer, new TrainerOptions { Epochs = 3, BatchSize = 2 });
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, null, recorder, cancellation.Token));

            Assert.Equal(3, network.TrainSteps);      // batch 4 never started
            Assert.Equal(3, optimizer.StepCount);     // and batch 3 was completed, optimizer step included
            Assert.Equal(3.0, network.Parameters[0]);
            Assert.Equal(0, trainer.History.Count);   // no epoch completed
        }

        [Fact]
        public void NaNLoss_StopsBeforeTheStep_AndNamesEpochAndBatch()
        {
            // 40 samples, batch 10 → 4 batches per epoch; TrainStep call 7 is epoch 2, batch 3.
            Dataset<double> data = TestDatasets.Blobs(40, 1);
            var inner = new SoftmaxRegression<double>(2, 2, seed: 3);
            var network = new FaultyNetwork<double>(inner, failingStep: 7);
            double[] parameters = Array.Empty<double>();
            double[] state = Array.Empty<double>();
            var recorder = new Recorder
            {
                OnReport = p =>
                {
                    // Batch 3 fails in TrainStep, so the step of batch 2 that produced its parameters is undone too:
                    // the network goes back to before batch 2, i.e. after epoch 2, batch 1.
                    if (p.Kind == ProgressKind.Batch && p.Epoch == 2 && p.Batch == 1)
                    {
                        parameters = inner.Parameters.ToArray();
                        state = inner.State.ToArray();
                    }
                },
            };

            var trainer = new Trainer<double>(network, new Adam<double>(0.1), new TrainerOptions { Epochs = 5, BatchSize = 10 });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(data, null, recorder));

            Assert.Equal(2, e.Epoch);
            Assert.Equal(3, e.Batch);
            Assert.True(double.IsNaN(e.Loss));
            Assert.Contains("epoch 2, batch 3", e.Message);
            Assert.Equal((2, 2), (e.RestoredEpoch, e.RestoredBatch));
            Assert.Contains("NaN", e.Message);
            Assert.Equal(parameters, inner.Parameters.ToArray());
            Assert.Equal(state, inner.State.ToArray());
            Assert.DoesNotContain(inner.Parameters.ToArray(), double.IsNaN);
            Assert.Equal(1, trainer.History.Count);
        }

        [Fact]
        public void NaNGradient_WithFiniteLoss_AlsoStops()
        {
            var inner = new SoftmaxRegression<double>(2, 2, seed: 3);
            double[] before = inner.Parameters.ToArray();
            var network = new FaultyNetwork<double>(inner, failingStep: 1, gradientOnly: true);
            var trainer = new Trainer<double>(network, new Sgd<double>(0.1), new TrainerOptions { Epochs = 1, BatchSize = 10 });
            var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(TestDatasets.Blobs(20, 2)));
            Assert.Contains("gradient", e.Message);
            Assert.Equal(before, inner.Parameters.ToArray());
        }

        [Fact]
        public void Progress_ReportsEveryBatchAndEpoch()
        {
            var recorder = new Recorder();
            var trainer = new Trainer<double>(new SoftmaxRegression<double>(2, 2), new Sgd<double>(0.1), new TrainerOptions { Epochs = 3, BatchSize = 8 });
            TrainingResult result = trainer.Fit(TestDatasets.Blobs(20, 1), null, recorder); // 3 batches: 8, 8, 4

            Assert.Equal(9, recorder.Reports.Count(r => r.Kind == ProgressKind.Batch));
            var epochs = recorder.Reports.Where(r => r.Kind == ProgressKind.Epoch).ToList();
            Assert.Equal(new[] { 1, 2, 3 }, epochs.Select(r => r.Epoch));
            Assert.All(epochs, r => Assert.NotNull(r.Metrics));
            Assert.Equal(result.History.Epochs, epochs.Select(r => r.Metrics!));
            Assert.All(recorder.Reports.Where(r => r.Kind == ProgressKind.Batch), r => Assert.Equal(3, r.Batches));
        }

        [Fact]
        public void History_HasEveryMetricPerEpoch_AndTheScheduleIsApplied()
        {
            var optimizer = new Sgd<double>(1.0);
            var trainer = new Trainer<double>(new SoftmaxRegression<double>(2, 2), optimizer, new TrainerOptions
            {
                Epochs = 4,
                BatchSize = 5,
                ValidationSplit = 0.25,
                Schedule = new StepDecay(0.4, 0.5, 2),
            });

            TrainingResult result = trainer.Fit(TestDatasets.Blobs(40, 5));
            Assert.Equal(new[] { 0.4, 0.4, 0.2, 0.2 }, result.History.LearningRate);
            Assert.Equal(0.2, optimizer.LearningRate);
            Assert.All(result.History.Epochs, m =>
            {
                Assert.NotNull(m.TrainingAccuracy);
                Assert.NotNull(m.ValidationLoss);
                Assert.NotNull(m.ValidationAccuracy);
                Assert.True(m.GradientNorm > 0);
            });

            // Two separable blobs: the loss falls and the classifier is right.
            Assert.True(result.History.TrainingLoss[^1] < result.History.TrainingLoss[0]);
            Assert.Equal(1.0, result.Last.ValidationAccuracy);
            Assert.Equal(StopReason.Completed, result.StopReason);
            Assert.Equal(4, result.BestEpoch);
        }

        [Fact]
        public void Shuffle_IsSeeded_AndEachEpochSeesEverySampleOnce()
        {
            List<int> Order(ulong seed)
            {
                // Feature = sample index; the recording network remembers the inputs in order.
                var data = new Dataset<double>(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), 1, new int[12]);
                var network = new RecordingNetwork();
                new Trainer<double>(network, new Sgd<double>(0.1), new TrainerOptions { Epochs = 2, BatchSize = 5, Seed = seed, TrainingAccuracy = false }).Fit(data);
                return network.Seen;
            }

            List<int> a = Order(11);
            Assert.Equal(a, Order(11));
            Assert.NotEqual(a, Order(12));
            Assert.Equal(Enumerable.Range(0, 12), a.Take(12).OrderBy(i => i));
            Assert.Equal(Enumerable.Range(0, 12), a.Skip(12).OrderBy(i => i));
            Assert.NotEqual(a.Take(12), a.Skip(12)); // reshuffled each epoch
        }

        [Fact]
        public void ClipNorm_LimitsTheStep()
        {
            // The scripted gradient is −1 (norm 1); clipped to 0.25, SGD at rate 1 moves θ by 0.25 per batch.
            var network = new ScriptedNetwork();
            new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions { Epochs = 2, BatchSize = 1, ClipNorm = 0.25 }).Fit(OneSample);
            Assert.Equal(0.5, network.Parameters[0], 1e-15);
        }

        [Fact]
        public void WrongInputSize_AndLabelOutOfRange_AreClear()
        {
            var trainer = new Trainer<double>(new SoftmaxRegression<double>(3, 2), new Sgd<double>(0.1));
            var e = Assert.Throws<ArgumentException>(() => trainer.Fit(TestDatasets.Blobs(10, 1)));
            Assert.Contains("InputSize = 3", e.Message);

            var bad = new Dataset<double>(new double[6], 3, new[] { 0, 2 });
            e = Assert.Throws<ArgumentException>(() => trainer.Fit(bad));
            Assert.Contains("label 2", e.Message);
        }

        [Fact]
        public void Evaluate_GivesLossAndAccuracy()
        {
            var network = new SoftmaxRegression<double>(2, 2);
            var trainer = new Trainer<double>(network, new Sgd<double>(0.5), new TrainerOptions { Epochs = 5, BatchSize = 4 });
            Dataset<double> data = TestDatasets.Blobs(40, 9);
            Evaluation before = trainer.Evaluate(data);
            Assert.Equal(Math.Log(2), before.Loss, 1e-12); // zero weights: p = ½ everywhere
            trainer.Fit(data);
            Evaluation after = trainer.Evaluate(data);
            Assert.True(after.Loss < before.Loss);
            Assert.Equal(1.0, after.Accuracy);
            Assert.Equal(after.Accuracy!.Value, Metrics.Accuracy(network, data), 1e-15);
        }

        [Fact]
        public void Targets_TrainToo()
        {
            Dataset<double> labeled = TestDatasets.Blobs(40, 4);
            Dataset<double> targets = OneHot.ToTargets(labeled, 2);
            var network = new SoftmaxRegression<double>(2, 2);
            TrainingResult result = new Trainer<double>(network, new Sgd<double>(0.5), new TrainerOptions { Epochs = 5, BatchSize = 8 }).Fit(targets);
            Assert.Equal(1.0, result.Last.TrainingAccuracy);
        }

        [Fact]
        public void FashionMnistSubset_SoftmaxRegression_BeatsChance()
        {
            var (training, test) = FashionMnist.Load(TestDatasets.FashionMnistSubset);
            var network = new SoftmaxRegression<float>(FashionMnist.PixelCount, FashionMnist.ClassCount);
            var trainer = new Trainer<float>(network, new Adam<float>(0.002), new TrainerOptions
            {
                Epochs = 5,
                BatchSize = 64,
                Seed = 1,
                ValidationSplit = 0.1,
                TrainingAccuracy = false,
            });

            TrainingResult result = trainer.Fit(training);
            Evaluation evaluation = trainer.Evaluate(test);

            Assert.True(evaluation.Accuracy > 0.7, $"test accuracy {evaluation.Accuracy}");
            Assert.True(result.Last.ValidationAccuracy > 0.7, $"validation accuracy {result.Last.ValidationAccuracy}");
            Assert.True(result.History.TrainingLoss[^1] < result.History.TrainingLoss[0]);

            int[,] confusion = Metrics.ConfusionMatrix(network, test);
            int diagonal = Enumerable.Range(0, 10).Sum(i => confusion[i, i]);
            Assert.Equal(evaluation.Accuracy!.Value, diagonal / 2000.0, 1e-12);
        }
    }

    /// <summary>A network that records the first input feature of every sample it trains on.</summary>
    internal sealed class RecordingNetwork : NetGen.INetwork<double>
    {
        private readonly double[] _parameters = new double[1];
        private readonly double[] _gradients = new double[1];

        public List<int> Seen { get; } = new();

        public int InputSize => 1;

        public int OutputSize => 2;

        public int ParameterCount => 1;

        public NetGen.LossFunction Loss => NetGen.LossFunction.SoftmaxCrossEntropy;

        public string Architecture => "Recording";

        public Span<double> Parameters => _parameters;

        public Span<double> Gradients => _gradients;

        public Span<double> State => Span<double>.Empty;

        public IReadOnlyList<NetGen.LayerView<double>> Layers => Array.Empty<NetGen.LayerView<double>>();

        public ulong RandomState { get; set; }

        public void Predict(ReadOnlySpan<double> inputs, Span<double> outputs) => outputs.Clear();

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels)
        {
            foreach (double x in inputs)
            {
                Seen.Add((int)x);
            }

            return 1;
        }

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => throw new NotSupportedException();

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels, Span<double> outputs)
        {
            outputs.Clear();
            return TrainStep(inputs, labels);
        }

        public double TrainStep(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, Span<double> outputs) => throw new NotSupportedException();

        public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels) => 1;

        public double Evaluate(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets) => throw new NotSupportedException();

        public void ExportOnnx(System.IO.Stream destination, OnnxExportOptions? options = null) => throw new NotSupportedException("A recording network has no layers to export.");

        public void ExportOnnx(string path, OnnxExportOptions? options = null) => throw new NotSupportedException("A recording network has no layers to export.");
    }
}
