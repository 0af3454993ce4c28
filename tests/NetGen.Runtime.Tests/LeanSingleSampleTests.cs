using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// <see cref="GemmTuning.LeanSingleSample"/> (one combined length check at batch 1, the backward's store-or-add fixed per
    /// call, shuffle-pair lane sums, MSE without divisions by 1) and <see cref="GemmTuning.EightVectorSgd"/>: on and off give
    /// the same bits at every size from 1 to 40, and a wrong length still throws the same exception for the same parameter.
    /// </summary>
    public abstract class LeanSingleSampleTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static IEnumerable<object[]> Paths()
        {
            foreach (GemmPath path in Gemm.SupportedPaths())
            {
                if (path != GemmPath.Scalar)
                {
                    yield return [path.ToString()];
                }
            }
        }

        [Fact]
        public void Linear_at_batch_one_gives_the_same_bits_lean_and_before_at_every_size_to_40()
        {
            for (int inputs = 1; inputs <= 40; inputs++)
            {
                for (int outputs = 1; outputs <= 40; outputs++)
                {
                    T[] before = Linear(inputs, outputs, lean: false), after = Linear(inputs, outputs, lean: true);
                    AssertSameBits(before, after, $"Linear {inputs} → {outputs}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Single_sample_kernels_give_the_same_bits_lean_and_before_on_every_path(string name)
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            for (int inputs = 1; inputs <= 40; inputs++)
            {
                for (int outputs = 1; outputs <= 40; outputs++)
                {
                    T[] before = Kernels(inputs, outputs, path, lean: false), after = Kernels(inputs, outputs, path, lean: true);
                    AssertSameBits(before, after, $"{path} {inputs} → {outputs}");
                }
            }

            // Larger shapes the one-pass backward takes (inputs a multiple of 32, more than 8 outputs, leftover rows).
            foreach ((int inputs, int outputs) in new[] { (64, 40), (96, 13), (32, 300), (128, 9) })
            {
                AssertSameBits(Kernels(inputs, outputs, path, lean: false), Kernels(inputs, outputs, path, lean: true), $"{path} {inputs} → {outputs}");
            }
        }

        [Fact]
        public void Lean_forward_matches_a_product_in_double()
        {
            // Both sides of the A/B sharing one mistake would pass the comparisons above; this one would not.
            foreach ((int inputs, int outputs) in new[] { (16, 32), (32, 32), (32, 4), (8, 12), (24, 7), (40, 40) })
            {
                double[] x = Values(inputs, 1), w = Values(outputs * inputs, 2), b = Values(outputs, 3);
                T[] y = TestMath.Garbage<T>(outputs);
                WithSwitch(true, () => NetGen.Kernels.Linear.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(b), y, 1, inputs, outputs));
                var reference = new double[outputs];
                for (int o = 0; o < outputs; o++)
                {
                    reference[o] = b[o];
                    for (int i = 0; i < inputs; i++)
                    {
                        reference[o] += x[i] * w[(o * inputs) + i];
                    }
                }

                TestMath.AllClose(reference, y, TestMath.Tolerance<T>() * inputs, $"{inputs} → {outputs}");
            }
        }

        [Fact]
        public void Lean_backward_propagates_a_NaN_where_it_belongs()
        {
            foreach ((int inputs, int outputs) in new[] { (16, 32), (32, 32), (32, 4), (7, 9) })
            {
                T[] x = TestMath.To<T>(TestMath.AwayFromZero(inputs, 1)), w = TestMath.To<T>(TestMath.AwayFromZero(outputs * inputs, 2));
                T[] dy = TestMath.To<T>(TestMath.AwayFromZero(outputs, 3));
                int o = outputs / 2, i = inputs / 2;

                // A NaN in dy[o]: row o of dW, db[o] and every dX; nothing else.
                T[] nanDy = (T[])dy.Clone();
                nanDy[o] = T.NaN;
                T[] dw = TestMath.Garbage<T>(outputs * inputs), db = TestMath.Garbage<T>(outputs), dx = TestMath.Garbage<T>(inputs);
                WithSwitch(true, () => NetGen.Kernels.Linear.BackwardOverwrite<T>(x, w, nanDy, dw, db, dx, 1, inputs, outputs));
                for (int k = 0; k < outputs * inputs; k++)
                {
                    Assert.True(T.IsNaN(dw[k]) == (k / inputs == o), $"{inputs} → {outputs}: NaN dy[{o}] gave dW[{k}] = {dw[k]}");
                }

                for (int k = 0; k < outputs; k++)
                {
                    Assert.True(T.IsNaN(db[k]) == (k == o), $"{inputs} → {outputs}: NaN dy[{o}] gave db[{k}] = {db[k]}");
                }

                Assert.All(dx, v => Assert.True(T.IsNaN(v), $"{inputs} → {outputs}: NaN dy[{o}] gave dX {v}"));

                // A NaN in x[i]: column i of dW only.
                T[] nanX = (T[])x.Clone();
                nanX[i] = T.NaN;
                Array.Clear(dw);
                WithSwitch(true, () => NetGen.Kernels.Linear.Backward<T>(nanX, w, dy, dw, [], dx, 1, inputs, outputs));
                for (int k = 0; k < outputs * inputs; k++)
                {
                    Assert.True(T.IsNaN(dw[k]) == (k % inputs == i), $"{inputs} → {outputs}: NaN x[{i}] gave dW[{k}] = {dw[k]}");
                }

                Assert.All(dx, v => Assert.False(T.IsNaN(v), $"{inputs} → {outputs}: NaN x[{i}] reached dX"));
            }
        }

        [Theory]
        [InlineData(16, 32)]
        [InlineData(32, 4)]
        [InlineData(7, 9)]
        public void A_wrong_length_at_batch_one_throws_the_same_exception_for_the_same_parameter(int inputs, int outputs)
        {
            int n = inputs, m = outputs, nm = inputs * outputs;
            T[] Of(int length) => TestMath.To<T>(Values(length, length + 1));

            // Each call with one length off by one (an optional span: too long or too short, never empty), and sizes that are negative.
            var forwards = new (string Parameter, Action Call)[]
            {
                ("x", () => NetGen.Kernels.Linear.Forward<T>(Of(n + 1), Of(nm), Of(m), Of(m), 1, n, m)),
                ("x", () => NetGen.Kernels.Linear.Forward<T>(Of(n - 1), Of(nm), Of(m), Of(m), 1, n, m)),
                ("w", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm + 1), Of(m), Of(m), 1, n, m)),
                ("w", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm - 1), Of(m), Of(m), 1, n, m)),
                ("b", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm), Of(m + 1), Of(m), 1, n, m)),
                ("y", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm), Of(m), Of(m + 1), 1, n, m)),
                ("y", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm), [], Of(m - 1), 1, n, m)),
                ("inputs", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm), Of(m), Of(m), 1, -n, m)),
                ("outputs", () => NetGen.Kernels.Linear.Forward<T>(Of(n), Of(nm), Of(m), Of(m), 1, n, -m)),
            };
            var backwards = new List<(string Parameter, Action Call)>();
            foreach (bool overwrite in new[] { false, true })
            {
                Action<T[], T[], T[], T[], T[], T[], int, int> call = overwrite
                    ? (x, w, dy, dw, db, dx, i, o) => NetGen.Kernels.Linear.BackwardOverwrite<T>(x, w, dy, dw, db, dx, 1, i, o)
                    : (x, w, dy, dw, db, dx, i, o) => NetGen.Kernels.Linear.Backward<T>(x, w, dy, dw, db, dx, 1, i, o);
                backwards.Add(("x", () => call(Of(n + 1), Of(nm), Of(m), Of(nm), Of(m), Of(n), n, m)));
                backwards.Add(("w", () => call(Of(n), Of(nm - 1), Of(m), Of(nm), Of(m), Of(n), n, m)));
                backwards.Add(("dy", () => call(Of(n), Of(nm), Of(m + 1), Of(nm), Of(m), Of(n), n, m)));
                backwards.Add(("dw", () => call(Of(n), Of(nm), Of(m), Of(nm + 1), Of(m), Of(n), n, m)));
                backwards.Add(("dw", () => call(Of(n), Of(nm), Of(m), Of(nm - 1), [], [], n, m)));
                backwards.Add(("db", () => call(Of(n), Of(nm), Of(m), Of(nm), Of(m + 1), Of(n), n, m)));
                backwards.Add(("dx", () => call(Of(n), Of(nm), Of(m), Of(nm), Of(m), Of(n + 1), n, m)));
                backwards.Add(("dx", () => call(Of(n), Of(nm), Of(m), [], [], Of(n - 1), n, m)));
                backwards.Add(("inputs", () => call(Of(n), Of(nm), Of(m), Of(nm), Of(m), Of(n), -n, m)));
            }

            foreach ((string parameter, Action call) in forwards.Concat(backwards))
            {
                foreach (bool lean in new[] { false, true })
                {
                    ArgumentException thrown = Assert.ThrowsAny<ArgumentException>(() => WithSwitch(lean, call));
                    Assert.Equal(parameter, thrown.ParamName);
                    Assert.IsType(parameter is "inputs" or "outputs" ? typeof(ArgumentOutOfRangeException) : typeof(ArgumentException), thrown);
                }
            }

            // Nothing is written by a refused call.
            T[] dwUntouched = TestMath.Garbage<T>(nm), copy = (T[])dwUntouched.Clone();
            Assert.Throws<ArgumentException>(() => WithSwitch(true, () => NetGen.Kernels.Linear.BackwardOverwrite<T>(Of(n), Of(nm), Of(m), dwUntouched, Of(m + 1), [], 1, n, m)));
            AssertSameBits(copy, dwUntouched, "dW after a refused call");
        }

        [Fact]
        public void Mean_squared_error_of_one_sample_gives_the_same_bits_lean_and_before()
        {
            for (int outputs = 1; outputs <= 40; outputs++)
            {
                T[] y = TestMath.To<T>(Values(outputs, outputs)), t = TestMath.To<T>(Values(outputs, outputs + 100));

                // Equal values (a +0 difference), a −0 difference, infinities and a NaN where there is room.
                if (outputs >= 4)
                {
                    (y[0], t[0]) = (t[0], t[0]);
                    (y[1], t[1]) = (T.NegativeZero, T.Zero);
                    (y[2], t[2]) = (T.PositiveInfinity, T.One);
                    t[3] = T.NaN;
                }

                foreach (bool gradient in new[] { true, false })
                {
                    var results = new List<T[]>();
                    foreach (bool lean in new[] { false, true })
                    {
                        T[] dy = gradient ? TestMath.Garbage<T>(outputs) : [];
                        T loss = T.Zero;
                        WithSwitch(lean, () => loss = Losses.MeanSquaredError<T>(y, t, dy, 1, outputs));
                        results.Add([loss, .. dy]);
                    }

                    AssertSameBits(results[0], results[1], $"MSE {outputs} gradient={gradient}");
                }

                // And the values themselves, all finite: ½‖y − t‖² and dy = y − t.
                T[] u = TestMath.To<T>(Values(outputs, outputs + 7)), v = TestMath.To<T>(Values(outputs, outputs + 8)), du = new T[outputs];
                double expected = 0;
                for (int i = 0; i < outputs; i++)
                {
                    double d = double.CreateTruncating(u[i] - v[i]);
                    expected += 0.5 * d * d;
                }

                T value = T.Zero;
                WithSwitch(true, () => value = Losses.MeanSquaredError<T>(u, v, du, 1, outputs));
                TestMath.Close(expected, double.CreateTruncating(value), 1e-6, $"MSE {outputs}");
                for (int i = 0; i < outputs; i++)
                {
                    Assert.Equal(u[i] - v[i], du[i]);
                }
            }

            T[] three = new T[3];
            ArgumentException wrong = Assert.Throws<ArgumentException>(() => WithSwitch(true, () => Losses.MeanSquaredError<T>(three, new T[4], new T[3], 1, 3)));
            Assert.Equal("targets", wrong.ParamName);
            wrong = Assert.Throws<ArgumentException>(() => WithSwitch(true, () => Losses.MeanSquaredError<T>(three, three, new T[2], 1, 3)));
            Assert.Equal("dy", wrong.ParamName);
        }

        [Fact]
        public void Plain_sgd_gives_the_same_bits_with_eight_vectors_per_step_at_every_length_and_offset()
        {
            // Lengths around the 8-vector steps (of 8 floats or 4 doubles) and offsets into an array, so that the aligned head
            // and the loops' ends fall everywhere.
            var lengths = new List<int>();
            for (int n = 0; n <= 140; n++)
            {
                lengths.Add(n);
            }

            lengths.AddRange([255, 256, 257, 1732]);
            foreach (int length in lengths)
            {
                foreach (int offset in new[] { 0, 1, 3, 5, 7 })
                {
                    T[] start = TestMath.To<T>(Values(length + offset, length)), gradient = TestMath.To<T>(Values(length + offset, length + 1));
                    if (length > 2)
                    {
                        gradient[offset + (length / 2)] = T.NaN;
                        start[offset + length - 1] = T.NegativeZero;
                    }

                    var results = new List<T[]>();
                    foreach (bool eight in new[] { false, true })
                    {
                        T[] parameters = (T[])start.Clone();
                        bool saved = GemmTuning.EightVectorSgd;
                        GemmTuning.EightVectorSgd = eight;
                        try
                        {
                            var sgd = new Sgd<T>(learningRate: 0.01);
                            sgd.Step(parameters.AsSpan(offset, length), gradient.AsSpan(offset, length));
                            sgd.Step(parameters.AsSpan(offset, length), gradient.AsSpan(offset, length));
                        }
                        finally
                        {
                            GemmTuning.EightVectorSgd = saved;
                        }

                        results.Add(parameters);
                    }

                    AssertSameBits(results[0], results[1], $"SGD {length} at offset {offset}");
                    T alpha = T.CreateTruncating(0.01);
                    for (int i = offset; i < offset + length; i++)
                    {
                        T once = start[i] - (alpha * gradient[i]);
                        T expected = once - (alpha * gradient[i]);
                        Assert.True(expected.Equals(results[1][i]), $"SGD {length} at offset {offset} [{i}]: expected {expected}, got {results[1][i]}");
                    }

                    for (int i = 0; i < offset; i++)
                    {
                        Assert.True(start[i].Equals(results[1][i]), $"SGD {length}: a value before the span changed");
                    }
                }
            }
        }

        /// <summary>Forward, then Backward and BackwardOverwrite with each of dW, db and dX present or absent, through <see cref="NetGen.Kernels.Linear"/>.</summary>
        private static T[] Linear(int inputs, int outputs, bool lean)
        {
            double[] x = Values(inputs, inputs), w = Values(outputs * inputs, outputs + 50), b = Values(outputs, inputs + outputs), dy = Values(outputs, 7 * outputs);
            double[] g0 = Values(outputs * inputs, 3), b0 = Values(outputs, 4);
            var all = new List<T>();
            WithSwitch(lean, () =>
            {
                foreach (bool withBias in new[] { true, false })
                {
                    T[] y = TestMath.Garbage<T>(outputs);
                    NetGen.Kernels.Linear.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), withBias ? TestMath.To<T>(b) : [], y, 1, inputs, outputs);
                    all.AddRange(y);
                }

                for (int present = 0; present < 8; present++)
                {
                    foreach (bool overwrite in new[] { false, true })
                    {
                        T[] dw = (present & 1) != 0 ? TestMath.To<T>(g0) : [], db = (present & 2) != 0 ? TestMath.To<T>(b0) : [];
                        T[] dx = (present & 4) != 0 ? TestMath.Garbage<T>(inputs) : [];
                        if (overwrite)
                        {
                            NetGen.Kernels.Linear.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, 1, inputs, outputs);
                        }
                        else
                        {
                            NetGen.Kernels.Linear.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, 1, inputs, outputs);
                        }

                        all.AddRange(dw);
                        all.AddRange(db);
                        all.AddRange(dx);
                    }
                }
            });
            return [.. all];
        }

        /// <summary>The same as <see cref="Linear"/> through <see cref="SingleSample"/> on one path.</summary>
        private static T[] Kernels(int inputs, int outputs, GemmPath path, bool lean)
        {
            double[] x = Values(inputs, inputs + 1), w = Values(outputs * inputs, outputs + 51), b = Values(outputs, inputs + outputs + 1), dy = Values(outputs, (7 * outputs) + 1);
            double[] g0 = Values(outputs * inputs, 5), b0 = Values(outputs, 6);
            var all = new List<T>();
            WithSwitch(lean, () =>
            {
                foreach (bool withBias in new[] { true, false })
                {
                    T[] y = TestMath.Garbage<T>(outputs);
                    SingleSample.Forward<T>(TestMath.To<T>(x), TestMath.To<T>(w), withBias ? TestMath.To<T>(b) : [], y, inputs, outputs, path);
                    all.AddRange(y);
                }

                foreach (bool overwrite in new[] { false, true })
                {
                    T[] dw = TestMath.To<T>(g0), db = TestMath.To<T>(b0), dx = TestMath.Garbage<T>(inputs);
                    if (overwrite)
                    {
                        SingleSample.BackwardOverwrite<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, inputs, outputs, path);
                    }
                    else
                    {
                        SingleSample.Backward<T>(TestMath.To<T>(x), TestMath.To<T>(w), TestMath.To<T>(dy), dw, db, dx, inputs, outputs, path);
                    }

                    all.AddRange(dw);
                    all.AddRange(db);
                    all.AddRange(dx);
                }
            });
            return [.. all];
        }

        private static void WithSwitch(bool lean, Action action)
        {
            bool saved = GemmTuning.LeanSingleSample;
            GemmTuning.LeanSingleSample = lean;
            try
            {
                action();
            }
            finally
            {
                GemmTuning.LeanSingleSample = saved;
            }
        }

        private static double[] Values(int count, int seed) => TestMath.Rounded<T>(TestMath.Uniform(count, seed, -1, 1));

        private static void AssertSameBits(T[] expected, T[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]), $"{what} [{i}]: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    public sealed class LeanSingleSampleSingleTests : LeanSingleSampleTests<float>
    {
    }

    public sealed class LeanSingleSampleDoubleTests : LeanSingleSampleTests<double>
    {
    }
}
