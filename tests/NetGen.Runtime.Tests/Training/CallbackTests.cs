using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>Epoch-end callbacks, per-batch schedules, and optimizer state round trips.</summary>
    public sealed class CallbackTests : IDisposable
    {
        // ScriptedNetwork: with Sgd(1) and one sample per epoch θ after epoch e is e, and the validation loss is (θ − 3)².
        private static readonly Dataset<double> OneSample = new(new[] { 0.5 }, 1, new[] { 0 });
        private static readonly Dataset<double> OneValidationSample = new(new[] { 0.25 }, 1, new[] { 0 });

        private readonly string _folder = Directory.CreateTempSubdirectory("netgen-callbacks-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        [Fact]
        public void A_callback_sees_every_epoch_and_can_stop_training()
        {
            var seen = new List<(int Epoch, int HistoryCount, double Parameter)>();
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 10, BatchSize = 1 });
            trainer.Callbacks.Add(new LambdaCallback<double>(c =>
            {
                seen.Add((c.Epoch, c.History.Count, c.Network.Parameters[0]));
                c.StopTraining = c.Metrics.TrainingLoss == 0; // (θ − 3)² after the step of epoch 4 is… measured before it: 0 at epoch 4
            }));

            TrainingResult result = trainer.Fit(OneSample);

            Assert.Equal(StopReason.StoppedByCallback, result.StopReason);
            Assert.Equal(new[] { (1, 1, 1.0), (2, 2, 2.0), (3, 3, 3.0), (4, 4, 4.0) }, seen);
            Assert.Equal(4, trainer.CompletedEpochs);
            Assert.Equal(4, result.BestEpoch);
        }

        [Fact]
        public void Callbacks_run_on_the_epoch_where_early_stopping_ends_training()
        {
            var epochs = new List<int>();
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions
            {
                Epochs = 20,
                BatchSize = 1,
                EarlyStopping = new EarlyStopping { Patience = 2 },
            });
            trainer.Callbacks.Add(new LambdaCallback<double>(c => epochs.Add(c.Epoch)));
            Assert.Equal(StopReason.EarlyStopped, trainer.Fit(OneSample, OneValidationSample).StopReason);
            Assert.Equal(new[] { 1, 2, 3, 4, 5 }, epochs);
        }

        [Fact]
        public void ModelCheckpoint_keeps_the_best_model_by_validation_loss()
        {
            string path = Path.Combine(_folder, "best.ngmd");
            var checkpoint = new ModelCheckpoint<double>(path);
            var network = new ScriptedNetwork();
            var trainer = new Trainer<double>(network, new Sgd<double>(1.0), new TrainerOptions { Epochs = 6, BatchSize = 1 });
            trainer.Callbacks.Add(checkpoint);
            trainer.Fit(OneSample, OneValidationSample);

            Assert.Equal(3, checkpoint.BestEpoch);
            Assert.Equal(0, checkpoint.BestValue);
            Assert.Equal(6.0, network.Parameters[0]);
            var restored = new ScriptedNetwork();
            Checkpoint.Load(restored, path);
            Assert.Equal(3.0, restored.Parameters[0]); // epoch 3's θ, not the last one
        }

        [Fact]
        public void ModelCheckpoint_every_epoch_with_the_epoch_in_the_name()
        {
            var checkpoint = new ModelCheckpoint<double>(Path.Combine(_folder, "model-{epoch}.ngmd"), MonitoredMetric.TrainingLoss, saveBestOnly: false);
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 3, BatchSize = 1 });
            trainer.Callbacks.Add(checkpoint);
            trainer.Fit(OneSample);
            Assert.Equal(new[] { "model-1.ngmd", "model-2.ngmd", "model-3.ngmd" }, Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
            Assert.EndsWith("model-3.ngmd", checkpoint.LastSavedPath);
        }

        [Fact]
        public void ModelCheckpoint_on_validation_loss_without_validation_says_what_is_missing()
        {
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 2, BatchSize = 1 });
            trainer.Callbacks.Add(new ModelCheckpoint<double>(Path.Combine(_folder, "m.ngmd")));
            var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(OneSample));
            Assert.Contains("ModelCheckpoint watches ValidationLoss", error.Message);
        }

        [Fact]
        public void EpochLogger_writes_one_line_per_epoch()
        {
            var writer = new StringWriter();
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 2, BatchSize = 1 });
            trainer.Callbacks.Add(new EpochLogger<double>(writer));
            trainer.Fit(OneSample);
            string[] lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("epoch 1: loss 9.0000", lines[0]);
            Assert.StartsWith("epoch 2: loss 4.0000", lines[1]);
        }

        [Fact]
        public void ReduceLearningRateOnPlateau_divides_the_rate_after_patience_epochs_without_improvement()
        {
            // Validation loss (θ − 3)² with θ = 1, 2, 3, … while the rate is 1: it improves until epoch 3, then worsens.
            var plateau = new ReduceLearningRateOnPlateau<double>(factor: 0.5, patience: 2, minDelta: 0);
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 6, BatchSize = 1 });
            trainer.Callbacks.Add(plateau);
            TrainingResult result = trainer.Fit(OneSample, OneValidationSample);
            // Epochs 4 and 5 do not improve on epoch 3: after epoch 5 the rate halves, so epoch 6 uses 0.5.
            Assert.Equal(new[] { 1.0, 1, 1, 1, 1, 0.5 }, result.History.LearningRate);
            Assert.Equal(1, plateau.Reductions);
        }

        [Fact]
        public void ReduceLearningRateOnPlateau_refuses_to_fight_a_schedule()
        {
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions { Epochs = 2, BatchSize = 1, Schedule = new ConstantLearningRate(1) });
            trainer.Callbacks.Add(new ReduceLearningRateOnPlateau<double>(MonitoredMetric.TrainingLoss));
            Assert.Throws<InvalidOperationException>(() => trainer.Fit(OneSample));
        }

        [Fact]
        public void A_batch_schedule_sets_the_rate_before_every_batch()
        {
            var rates = new List<double>();
            var recorder = new Recorder { OnReport = p => { if (p.Kind == ProgressKind.Batch) { rates.Add(p.LearningRate); } } };
            var data = new Dataset<double>(new double[4], 1, new int[4]);
            var trainer = new Trainer<double>(new ScriptedNetwork(), new Sgd<double>(1.0), new TrainerOptions
            {
                Epochs = 2,
                BatchSize = 1,
                BatchSchedule = new LinearWarmup(0.8, warmupSteps: 4),
            });
            trainer.Fit(data, null, recorder);
            Assert.Equal(new[] { 0.2, 0.4, 0.6000000000000001, 0.8, 0.8, 0.8, 0.8, 0.8 }, rates);
        }

        [Fact]
        public void LinearWarmup_then_another_schedule_counts_steps_from_the_end_of_the_warmup()
        {
            var schedule = new LinearWarmup(1.0, 2, after: new OneCycle(1.0));
            Assert.Equal(0.5, schedule.RateAt(0, 12));
            Assert.Equal(1.0, schedule.RateAt(1, 12));
            Assert.Equal(new OneCycle(1.0).RateAt(0, 10), schedule.RateAt(2, 12));
        }

        [Fact]
        public void OneCycle_rises_to_the_peak_then_falls_to_the_final_rate()
        {
            var cycle = new OneCycle(maxRate: 1.0, warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4);
            const int total = 100;
            double[] rates = Enumerable.Range(0, total).Select(s => cycle.RateAt(s, total)).ToArray();
            Assert.Equal(1.0 / 25, rates[0], 12);
            Assert.Equal(1.0, rates.Max(), 12);
            Assert.Equal(29, Array.IndexOf(rates, rates.Max())); // the peak at step p·N − 1, as PyTorch's OneCycleLR
            Assert.Equal(1.0 / 25 / 1e4, rates[^1], 12);
            Assert.True(rates.Take(30).Zip(rates.Skip(1).Take(29)).All(p => p.First < p.Second), "rising phase");
            Assert.True(rates.Skip(29).Zip(rates.Skip(30)).All(p => p.First > p.Second), "falling phase");
            Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycle(1.0, warmupFraction: 1));
        }

        [Theory]
        [InlineData("sgd")]
        [InlineData("momentum")]
        [InlineData("adagrad")]
        [InlineData("rmsprop")]
        [InlineData("adam")]
        [InlineData("adamw")]
        public void Optimizer_state_round_trips_so_the_next_steps_are_identical(string kind)
        {
            double[] theta = { 1, -2, 0.5 };
            double[] gradient = { 0.3, -0.1, 0.7 };
            IOptimizerState<double> first = Create(kind);
            first.Step(theta, gradient);
            first.Step(theta, gradient);
            OptimizerState<double> saved = first.SaveState();

            IOptimizerState<double> second = Create(kind);
            second.RestoreState(saved);
            double[] a = (double[])theta.Clone();
            double[] b = (double[])theta.Clone();
            for (int i = 0; i < 3; i++)
            {
                first.Step(a, gradient);
                second.Step(b, gradient);
            }

            Assert.Equal(a, b);
            Assert.Equal(5, ((Optimizer<double>)second).StepCount);
            if (kind != "sgd")
            {
                // Plain SGD has no state; for the others a fresh optimizer goes elsewhere, so the restored state mattered.
                Assert.NotEqual(a, Stepped(Create(kind), theta, gradient, 3));
            }
        }

        [Fact]
        public void Restoring_a_state_that_does_not_fit_changes_nothing()
        {
            var adam = new Adam<double>(0.1);
            adam.Step(new double[3], new double[] { 1, 2, 3 });
            OptimizerState<double> before = adam.SaveState();
            var error = Assert.Throws<ArgumentException>(() => adam.RestoreState(new Sgd<double>(0.1).SaveState()));
            Assert.Contains("saved from Sgd, not from Adam", error.Message);
            var wrongShape = new OptimizerState<double>("Adam", 1, 0.1, 3, new[] { new double[3] });
            Assert.Throws<ArgumentException>(() => adam.RestoreState(wrongShape));
            OptimizerState<double> after = adam.SaveState();
            Assert.Equal(before.StepCount, after.StepCount);
            Assert.Equal(before.Buffers.SelectMany(x => x), after.Buffers.SelectMany(x => x));
        }

        private static IOptimizerState<double> Create(string kind) => kind switch
        {
            "sgd" => new Sgd<double>(0.1),
            "momentum" => new Sgd<double>(0.1, momentum: 0.9),
            "adagrad" => new AdaGrad<double>(0.1),
            "rmsprop" => new RMSProp<double>(0.1),
            "adam" => new Adam<double>(0.1),
            _ => new AdamW<double>(0.1),
        };

        private static double[] Stepped(IOptimizer<double> optimizer, double[] theta, double[] gradient, int steps)
        {
            double[] copy = (double[])theta.Clone();
            for (int i = 0; i < steps; i++)
            {
                optimizer.Step(copy, gradient);
            }

            return copy;
        }
    }
}
