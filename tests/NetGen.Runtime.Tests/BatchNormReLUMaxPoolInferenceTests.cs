using System;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// BatchNorm → ReLU → MaxPool2D in inference, one pass per map, against <see cref="BatchNorm.ForwardInference"/>,
    /// <see cref="Activations.ReLU"/> and <see cref="MaxPool2D.Forward"/> one after the other (and its input gradient
    /// against <see cref="MaxPool2D.Backward"/>, <see cref="Activations.ReLUBackward"/> and
    /// <see cref="BatchNorm.BackwardInference"/>), bit for bit, signs of zeros and NaN included: odd map sizes (shorter
    /// and longer than a vector), windows and strides, negative scales, ties, a NaN, one thread and split over threads.
    /// </summary>
    public abstract class BatchNormReLUMaxPoolInferenceTests<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly T Epsilon = T.CreateTruncating(1e-5);

        [Theory]
        [InlineData(3, 2, 2, 2, 2, 2)]
        [InlineData(2, 3, 3, 3, 2, 1)]
        [InlineData(4, 2, 5, 7, 2, 2)]
        [InlineData(2, 3, 9, 9, 3, 3)]
        [InlineData(3, 5, 9, 7, 3, 2)]
        [InlineData(5, 4, 14, 14, 2, 2)]
        [InlineData(2, 6, 28, 28, 2, 2)]
        [InlineData(3, 2, 11, 13, 1, 1)]
        [InlineData(1, 3, 17, 5, 4, 3)]
        [InlineData(2, 2, 6, 41, 2, 2)]
        [InlineData(1, 1, 1, 1, 1, 1)]
        public void The_fused_passes_match_the_three_kernels(int batch, int channels, int height, int width, int size, int stride)
        {
            var block = new Block(batch, channels, height, width, size, stride, seed: 20 + height);
            block.AssertFusedMatches();
        }

        [Fact]
        public void Any_split_of_the_planes_gives_the_whole_pass()
        {
            var block = new Block(3, 4, 9, 11, 3, 2, seed: 6);
            (T[] pooled, int[] argmax) = block.ExpectedForward();
            int planes = block.Batch * block.Channels;
            foreach (int cut in new[] { 1, 5, planes - 1 })
            {
                var actualPooled = new T[pooled.Length];
                var actualArgmax = new int[argmax.Length];
                BatchNorm.ForwardInferenceReLUMaxPoolPlanes<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, actualPooled, actualArgmax, block.Geometry(), Epsilon, true, 0, cut);
                BatchNorm.ForwardInferenceReLUMaxPoolPlanes<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, actualPooled, actualArgmax, block.Geometry(), Epsilon, true, cut, planes);
                Equal(pooled, actualPooled, $"pooled, cut at {cut}");
                Assert.Equal(argmax, actualArgmax);

                var dx = TestMath.Garbage<T>(block.X.Length);
                BatchNorm.BackwardInferenceReLUMaxPoolPlanes<T>(argmax, block.DPooled, pooled, block.Gamma, block.RunningVariance, dx, block.Geometry(), Epsilon, cut, planes);
                BatchNorm.BackwardInferenceReLUMaxPoolPlanes<T>(argmax, block.DPooled, pooled, block.Gamma, block.RunningVariance, dx, block.Geometry(), Epsilon, 0, cut);
                Equal(block.ExpectedBackward(pooled, argmax), dx, $"dx, cut at {cut}");
            }
        }

        [Fact]
        public void Large_maps_split_over_threads_give_the_three_kernels_results()
        {
            // 4 × 4 maps of 96 × 96 (147,456 values): above the split threshold on a machine with 2 or more processors.
            new Block(4, 4, 96, 96, 2, 2, seed: 3).AssertFusedMatches();
        }

        [Fact]
        public void Ties_zeros_negative_scales_and_a_NaN_go_where_the_three_kernels_send_them()
        {
            var block = new Block(3, 3, 8, 8, 2, 2, seed: 4);
            for (int i = 0; i < block.X.Length; i++)
            {
                block.X[i] = T.CreateTruncating(Math.Round(double.CreateTruncating(block.X[i])));
            }

            block.Gamma[1] = -block.Gamma[1]; // a negative scale: the input gradient's zeros are −0 there
            block.X[37] = T.NaN;
            block.AssertFusedMatches();
        }

        [Fact]
        public void Bad_lengths_and_indexes_are_refused_and_change_nothing()
        {
            var block = new Block(2, 3, 8, 8, 2, 2, seed: 5);
            (T[] pooled, int[] argmax) = block.ExpectedForward();
            T[] pooledBefore = (T[])pooled.Clone(), dx = TestMath.Garbage<T>(block.X.Length), dxBefore = (T[])dx.Clone();
            var error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInferenceReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, pooled.AsSpan(1), argmax, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
            Assert.Equal("pooled", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInferenceReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, pooled, argmax.AsSpan(1), block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
            Assert.Equal("argmax", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInferenceReLUMaxPool<T>(block.X, block.Gamma.AsSpan(1), block.Beta, block.RunningMean, block.RunningVariance, pooled, argmax, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
            Assert.Equal("gamma", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInferenceReLUMaxPool<T>(block.X, block.Gamma, block.Beta, block.RunningMean, block.RunningVariance, pooled, argmax, block.Batch, block.Channels, block.Height, block.Width, 9, block.Stride, Epsilon));
            Assert.Equal("size", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardInferenceReLUMaxPool<T>(argmax, block.DPooled, pooled, block.Gamma, block.RunningVariance, dx.AsSpan(2), block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
            Assert.Equal("dx", error.ParamName);
            error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardInferenceReLUMaxPool<T>(argmax, block.DPooled.AsSpan(1), pooled, block.Gamma, block.RunningVariance, dx, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
            Assert.Equal("dPooled", error.ParamName);

            // An index outside its own map (another map's, or outside dx): refused before anything is written.
            foreach (int bad in new[] { 0, -1, block.X.Length })
            {
                int saved = argmax[^1];
                argmax[^1] = bad;
                error = Assert.Throws<ArgumentException>(() => BatchNorm.BackwardInferenceReLUMaxPool<T>(argmax, block.DPooled, pooled, block.Gamma, block.RunningVariance, dx, block.Batch, block.Channels, block.Height, block.Width, block.Size, block.Stride, Epsilon));
                Assert.Equal("argmax", error.ParamName);
                Assert.Contains($"argmax[{argmax.Length - 1}] = {bad}", error.Message);
                argmax[^1] = saved;
            }

            Equal(pooledBefore, pooled, "pooled after refused calls");
            Equal(dxBefore, dx, "dx after refused calls");
        }

        // Bit for bit, NaN included, and the sign of a zero.
        private static void Equal(T[] expected, T[] actual, string what)
        {
            Assert.True(expected.Length == actual.Length, what);
            for (int i = 0; i < expected.Length; i++)
            {
                bool same = T.IsNaN(expected[i]) ? T.IsNaN(actual[i]) : expected[i].Equals(actual[i]) && T.IsNegative(expected[i]) == T.IsNegative(actual[i]);
                Assert.True(same, $"{what}[{i}]: {expected[i]} expected, {actual[i]} computed");
            }
        }

        private sealed class Block
        {
            public Block(int batch, int channels, int height, int width, int size, int stride, int seed)
            {
                (Batch, Channels, Height, Width, Size, Stride) = (batch, channels, height, width, size, stride);
                X = TestMath.To<T>(TestMath.Uniform(batch * channels * height * width, seed, -3, 5));
                Gamma = TestMath.To<T>(TestMath.Uniform(channels, seed + 1, 0.5, 1.5));
                Beta = TestMath.To<T>(TestMath.Uniform(channels, seed + 2));
                RunningMean = TestMath.To<T>(TestMath.Uniform(channels, seed + 3));
                RunningVariance = TestMath.To<T>(TestMath.Uniform(channels, seed + 4, 0.5, 2));
                PooledLength = batch * channels * (((height - size) / stride) + 1) * (((width - size) / stride) + 1);
                DPooled = TestMath.To<T>(TestMath.Uniform(PooledLength, seed + 5));
            }

            public int Batch { get; }

            public int Channels { get; }

            public int Height { get; }

            public int Width { get; }

            public int Size { get; }

            public int Stride { get; }

            public int PooledLength { get; }

            public T[] X { get; }

            public T[] Gamma { get; }

            public T[] Beta { get; }

            public T[] RunningMean { get; }

            public T[] RunningVariance { get; }

            public T[] DPooled { get; }

            public WindowGeometry Geometry() => new(Channels, Height, Width, Size, Size, Stride, Stride, 0, 0);

            public (T[] Pooled, int[] Argmax) ExpectedForward()
            {
                var y = new T[X.Length];
                var relu = new T[X.Length];
                var pooled = new T[PooledLength];
                var argmax = new int[PooledLength];
                BatchNorm.ForwardInference<T>(X, Gamma, Beta, RunningMean, RunningVariance, y, Batch, Channels, Height * Width, Epsilon);
                Activations.ReLU<T>(y, relu);
                MaxPool2D.Forward<T>(relu, pooled, argmax, Batch, Channels, Height, Width, Size, Stride);
                return (pooled, argmax);
            }

            public T[] ExpectedBackward(T[] pooled, int[] argmax)
            {
                var y = new T[X.Length];
                var dRelu = new T[X.Length];
                var dy = new T[X.Length];
                var dx = new T[X.Length];
                BatchNorm.ForwardInference<T>(X, Gamma, Beta, RunningMean, RunningVariance, y, Batch, Channels, Height * Width, Epsilon);
                MaxPool2D.Backward<T>(argmax, DPooled, dRelu, Batch, Channels, Height, Width, Size, Stride);
                Activations.ReLUBackward<T>(y, dRelu, dy);
                BatchNorm.BackwardInference<T>(Gamma, RunningVariance, dy, dx, Batch, Channels, Height * Width, Epsilon);
                return dx;
            }

            public void AssertFusedMatches()
            {
                (T[] pooled, int[] argmax) = ExpectedForward();
                T[] actualPooled = TestMath.Garbage<T>(PooledLength);
                var actualArgmax = new int[PooledLength];
                BatchNorm.ForwardInferenceReLUMaxPool<T>(X, Gamma, Beta, RunningMean, RunningVariance, actualPooled, actualArgmax, Batch, Channels, Height, Width, Size, Stride, Epsilon);
                Equal(pooled, actualPooled, "pooled");
                Assert.Equal(argmax, actualArgmax);

                // Without argmax (Predict needs none): the same pooled maps.
                T[] withoutIndexes = TestMath.Garbage<T>(PooledLength);
                BatchNorm.ForwardInferenceReLUMaxPool<T>(X, Gamma, Beta, RunningMean, RunningVariance, withoutIndexes, Span<int>.Empty, Batch, Channels, Height, Width, Size, Stride, Epsilon);
                Equal(pooled, withoutIndexes, "pooled without argmax");

                T[] dx = TestMath.Garbage<T>(X.Length);
                BatchNorm.BackwardInferenceReLUMaxPool<T>(argmax, DPooled, pooled, Gamma, RunningVariance, dx, Batch, Channels, Height, Width, Size, Stride, Epsilon);
                Equal(ExpectedBackward(pooled, argmax), dx, "dx");
            }
        }
    }

    public sealed class BatchNormReLUMaxPoolInferenceSingleTests : BatchNormReLUMaxPoolInferenceTests<float>
    {
    }

    public sealed class BatchNormReLUMaxPoolInferenceDoubleTests : BatchNormReLUMaxPoolInferenceTests<double>
    {
    }
}
