using System;
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    // BatchNorm → ReLU → MaxPool2D in inference as one pass over each map: at batch 1024 the Fashion CNN's first block
    // wrote BatchNorm's output and the rectified map in full (103 MB each) only to read them back once; here each map
    // is normalized, rectified and pooled in one scratch map in the L1 cache. The same operations as the three kernels,
    // so the same bits. The backward pass (for InputGradients) unpools straight into the input gradient.
    public static unsafe partial class BatchNorm
    {
        /// <summary>
        /// BatchNorm → ReLU → MaxPool2D in inference, writing only the pooled maps (and argmax): the same values, bit for
        /// bit, as <see cref="ForwardInference"/>, <see cref="Activations.ReLU"/> and <see cref="MaxPool2D.Forward"/> one after
        /// the other: <c>y = γ (x − running μ)/√(running σ² + ε) + β</c>, <c>relu = max(0, y)</c> and
        /// <c>pooled[s,c,i,j] = max_(u,v &lt; size) relu[s, c, i·stride + u, j·stride + v]</c>, with y and relu computed a map
        /// at a time in a scratch map, never written out.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × channels × height × width]</c>.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="beta">The shifts β <c>[channels]</c>.</param>
        /// <param name="runningMean">The running means <c>[channels]</c>.</param>
        /// <param name="runningVariance">The running variances <c>[channels]</c>.</param>
        /// <param name="pooled">The pooled maps <c>[batch × channels × Ho × Wo]</c>, <c>Ho = ⌊(height − size)/stride⌋ + 1</c>.</param>
        /// <param name="argmax">Where each maximum came from, an index into a map shaped as <paramref name="x"/>, as <paramref name="pooled"/>; empty to skip them.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels (BatchNorm's features).</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size (size × size).</param>
        /// <param name="stride">The pooling stride on both axes.</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes; nothing is changed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardInferenceReLUMaxPool<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry pool = PoolGeometry(batch, channels, height, width, size, stride);
            int spatial = height * width;
            int length = CheckInput(x.Length, batch, channels, spatial);
            CheckFeatures(gamma.Length, channels, nameof(gamma));
            CheckFeatures(beta.Length, channels, nameof(beta));
            CheckFeatures(runningMean.Length, channels, nameof(runningMean));
            CheckFeatures(runningVariance.Length, channels, nameof(runningVariance));
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(pooled.Length, pooledLength, nameof(pooled), "batch × channels × Ho × Wo");
            bool keepIndexes = Check.Optional(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            if (length == 0)
            {
                return;
            }

            if (!FusesPlanes<T>(spatial))
            {
                // Maps shorter than a vector: the three kernels, with the rectified maps in rented scratch.
                T[] rented = ArrayPool<T>.Shared.Rent(length);
                try
                {
                    Span<T> relu = rented.AsSpan(0, length);
                    ForwardInference(x, gamma, beta, runningMean, runningVariance, relu, batch, channels, spatial, epsilon);
                    TensorPrimitives.Max(relu, T.Zero, relu);
                    MaxPool2D.Forward<T>(relu, pooled, argmax, batch, channels, height, width, size, stride);
                }
                finally
                {
                    ArrayPool<T>.Shared.Return(rented);
                }

                return;
            }

            int planes = batch * channels, threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                ForwardInferenceReLUMaxPoolPlanes(x, gamma, beta, runningMean, runningVariance, pooled, argmax, pool, epsilon, keepIndexes, 0, planes);
                return;
            }

            fixed (T* px = x, pgamma = gamma, pbeta = beta, prunningMean = runningMean, pvariance = runningVariance, ppooled = pooled)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolInference;
                (job.Batch, job.Features, job.Spatial, job.Units, job.First, job.Flag, job.Geometry) = (batch, channels, spatial, planes, epsilon, keepIndexes, pool);
                job.Set(0, px, x.Length);
                job.Set(1, pgamma, gamma.Length);
                job.Set(2, pbeta, beta.Length);
                job.Set(3, prunningMean, runningMean.Length);
                job.Set(4, pvariance, runningVariance.Length);
                job.Set(5, ppooled, pooled.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// Planes <c>[p0, p1)</c> (sample × channel) of <see cref="ForwardInferenceReLUMaxPool{T}"/>: each map scaled and
        /// shifted by <see cref="ForwardInference"/>'s per-map vector loop into one scratch map, rectified and pooled from there.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardInferenceReLUMaxPoolPlanes<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> pooled,
            Span<int> argmax,
            in WindowGeometry pool,
            T epsilon,
            bool keepIndexes,
            int p0,
            int p1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, positions = pool.Positions;
            if (p1 <= p0)
            {
                return;
            }

            T[]? rentedMap = null;
            Span<T> map = spatial <= StackLimit ? stackalloc T[spatial] : (rentedMap = ArrayPool<T>.Shared.Rent(spatial)).AsSpan(0, spatial);
            for (int plane = p0; plane < p1; plane++)
            {
                // y = γ/√(σ² + ε) · (x − μ) + β with the running statistics;  relu = max(0, y);  pooled, argmax = max over each window
                int f = plane % features, start = plane * spatial;
                T scale = gamma[f] / T.Sqrt(runningVariance[f] + epsilon);
                Planes.ScaleShift(x.Slice(start, spatial), runningMean[f], scale, beta[f], map);
                TensorPrimitives.Max(map, T.Zero, map);
                Span<int> indexes = keepIndexes ? argmax.Slice(plane * positions, positions) : Span<int>.Empty;
                Pooling.MaxForwardPlanes<T>(map, pooled.Slice(plane * positions, positions), indexes, 0, 1, pool, keepIndexes);
                if (keepIndexes)
                {
                    Offset(indexes, start);
                }
            }

            if (rentedMap is not null)
            {
                ArrayPool<T>.Shared.Return(rentedMap);
            }
        }

        /// <summary>
        /// The input gradient of <see cref="ForwardInferenceReLUMaxPool{T}"/>: the same values, bit for bit, as
        /// <see cref="MaxPool2D.Backward"/>, <see cref="Activations.ReLUBackward"/> and <see cref="BackwardInference"/> one
        /// after the other: <c>dx = 0</c>, then <c>dx[argmax[k]] += dPooled[k]</c> where <c>pooled[k] &gt; 0</c> (ReLU's mask:
        /// max(y, 0) &gt; 0 ⟺ y &gt; 0 at the one position of each window that gets a gradient), then
        /// <c>dx ·= γ/√(running σ² + ε)</c>, without BatchNorm's output or the two intermediate gradients.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes the forward pass wrote <c>[batch × channels × Ho × Wo]</c>; each must lie in its own map.</param>
        /// <param name="dPooled">The gradient with respect to the pooled maps, as <paramref name="argmax"/>.</param>
        /// <param name="pooled">The pooled maps the forward pass wrote, as <paramref name="argmax"/>: only whether each is &gt; 0 is read.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="runningVariance">The running variances <c>[channels]</c>.</param>
        /// <param name="dx">The gradient with respect to BatchNorm's inputs <c>[batch × channels × height × width]</c>, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size.</param>
        /// <param name="stride">The pooling stride.</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index of <paramref name="argmax"/> is not in its map; nothing is changed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardInferenceReLUMaxPool<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> pooled,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> runningVariance,
            Span<T> dx,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry pool = PoolGeometry(batch, channels, height, width, size, stride);
            int spatial = height * width;
            int length = CheckInput(dx.Length, batch, channels, spatial, nameof(dx));
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            Check.Length(dPooled.Length, pooledLength, nameof(dPooled), "batch × channels × Ho × Wo");
            Check.Length(pooled.Length, pooledLength, nameof(pooled), "batch × channels × Ho × Wo");
            CheckFeatures(gamma.Length, channels, nameof(gamma));
            CheckFeatures(runningVariance.Length, channels, nameof(runningVariance));
            CheckOwnMaps(argmax, batch * channels, pool.Positions, spatial);
            int planes = batch * channels, threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                BackwardInferenceReLUMaxPoolPlanes(argmax, dPooled, pooled, gamma, runningVariance, dx, pool, epsilon, 0, planes);
                return;
            }

            fixed (T* pdPooled = dPooled, ppooled = pooled, pgamma = gamma, pvariance = runningVariance, pdx = dx)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolInferenceBackward;
                (job.Batch, job.Features, job.Spatial, job.Units, job.First, job.Geometry) = (batch, channels, spatial, planes, epsilon, pool);
                job.Set(0, pdPooled, dPooled.Length);
                job.Set(1, ppooled, pooled.Length);
                job.Set(2, pgamma, gamma.Length);
                job.Set(3, pvariance, runningVariance.Length);
                job.Set(4, pdx, dx.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>Planes <c>[p0, p1)</c> of <see cref="BackwardInferenceReLUMaxPool{T}"/>: each map unpooled where the pooled value is positive, then scaled.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardInferenceReLUMaxPoolPlanes<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> pooled,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> runningVariance,
            Span<T> dx,
            in WindowGeometry pool,
            T epsilon,
            int p0,
            int p1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, positions = pool.Positions;
            for (int plane = p0; plane < p1; plane++)
            {
                // dx = 0, then dx[argmax[k]] += dPooled[k] where pooled[k] > 0;  dx ·= γ/√(σ² + ε)
                int f = plane % features, start = plane * spatial;
                Span<T> map = dx.Slice(start, spatial);
                map.Clear();
                UnpoolPositive(argmax, dPooled, pooled, map, plane * positions, (plane + 1) * positions, start);
                T scale = gamma[f] / T.Sqrt(runningVariance[f] + epsilon);
                int p = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    var scales = new Vector<T>(scale);
                    for (; p <= map.Length - Vector<T>.Count; p += Vector<T>.Count)
                    {
                        (new Vector<T>(map.Slice(p)) * scales).CopyTo(map.Slice(p));
                    }
                }

                for (; p < map.Length; p++)
                {
                    map[p] *= scale;
                }
            }
        }
    }
}
