using System;
using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels
{
    // BatchNorm → ReLU → MaxPool2D over convolution maps, the block of most CNNs, as one pass over each map: the map
    // that BatchNorm writes is still in the L1 cache when ReLU and the pooling read it, and in the backward pass the
    // unpooled, masked gradient is summed while it is. The forward pass writes what the three kernels write, bit for bit
    // (the same per-element code). The backward pass gives their dγ, dβ and dx bit for bit; its two intermediate
    // gradients are only scratch: the maps are memory-bound, and writing both in full (then reading dy back) was about a
    // third of the pass's memory traffic, so each part reuses the planes of its first channel of dy for all its channels
    // and leaves dRelu alone.
    public static unsafe partial class BatchNorm
    {
        /// <summary>
        /// <see cref="ForwardTraining"/>, then <see cref="Activations.ReLU"/> of its output, then
        /// <see cref="MaxPool2D.Forward"/> of that, over NCHW maps in one pass per map. Writes the same values to the same
        /// spans as the three calls: <c>y = γ x̂ + β</c>, <c>relu = max(0, y)</c>,
        /// <c>pooled[s,c,i,j] = max_(u,v &lt; size) relu[s, c, i·stride + u, j·stride + v]</c> and <c>argmax</c>, the
        /// index in <paramref name="relu"/> of each maximum.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × channels × height × width]</c>.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="beta">The shifts β <c>[channels]</c>.</param>
        /// <param name="runningMean">The running means <c>[channels]</c>, updated.</param>
        /// <param name="runningVariance">The running variances <c>[channels]</c>, updated.</param>
        /// <param name="xHat">The normalized inputs, as <paramref name="x"/>, kept for the backward pass.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> <c>[channels]</c>, kept for the backward pass.</param>
        /// <param name="y">BatchNorm's outputs, as <paramref name="x"/>; may be <paramref name="relu"/> itself, to rectify in place (each map is then written once; the generated training pass does this).</param>
        /// <param name="relu">ReLU's outputs, as <paramref name="x"/>.</param>
        /// <param name="pooled">The pooled maps <c>[batch × channels × Ho × Wo]</c>, <c>Ho = ⌊(height − size)/stride⌋ + 1</c>.</param>
        /// <param name="argmax">Where each maximum came from, an index into <paramref name="relu"/>, as <paramref name="pooled"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels (BatchNorm's features).</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size (size × size).</param>
        /// <param name="stride">The pooling stride on both axes.</param>
        /// <param name="momentum">The weight of the old running value, in [0, 1).</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or a channel has no values; nothing is changed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardTrainingReLUMaxPool<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            Span<T> relu,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride,
            T momentum,
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
            Check.Length(xHat.Length, length, nameof(xHat), "batch × channels × height × width");
            CheckFeatures(inverseStd.Length, channels, nameof(inverseStd));
            Check.Length(y.Length, length, nameof(y), "batch × channels × height × width");
            Check.Length(relu.Length, length, nameof(relu), "batch × channels × height × width");
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(pooled.Length, pooledLength, nameof(pooled), "batch × channels × Ho × Wo");
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            if (length == 0 || !FusesPlanes<T>(spatial))
            {
                // Too short a map for the vector loops (or no values, which ForwardTraining refuses): the three kernels.
                ForwardTraining(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, channels, spatial, momentum, epsilon);
                Activations.ReLU<T>(y, relu);
                MaxPool2D.Forward<T>(relu, pooled, argmax, batch, channels, height, width, size, stride);
                return;
            }

            int threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                ForwardTrainingReLUMaxPoolPlanes(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, relu, pooled, argmax, batch, pool, momentum, epsilon, 0, channels);
                return;
            }

            fixed (T* px = x, pgamma = gamma, pbeta = beta, pmean = runningMean, pvariance = runningVariance, pxHat = xHat, pinverseStd = inverseStd, py = y, prelu = relu, ppooled = pooled)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolForward;
                (job.Batch, job.Features, job.Spatial, job.Units, job.First, job.Second, job.Geometry) = (batch, channels, spatial, channels, momentum, epsilon, pool);
                job.Set(0, px, x.Length);
                job.Set(1, pgamma, gamma.Length);
                job.Set(2, pbeta, beta.Length);
                job.Set(3, pmean, runningMean.Length);
                job.Set(4, pvariance, runningVariance.Length);
                job.Set(5, pxHat, xHat.Length);
                job.Set(6, pinverseStd, inverseStd.Length);
                job.Set(7, py, y.Length);
                job.Set(8, prelu, relu.Length);
                job.Set(9, ppooled, pooled.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// The backward pass of BatchNorm → ReLU → MaxPool2D: <see cref="MaxPool2D.Backward"/>, then
        /// <see cref="Activations.ReLUBackward"/>, then <see cref="Backward"/>, in one pass per map, with the same values
        /// of dγ, dβ and dx: <c>dRelu = 0</c>, then <c>dRelu[argmax[k]] += dPooled[k]</c>;
        /// <c>dy = y &gt; 0 ? dRelu : 0</c>; <c>dγ += Σ dy ⊙ x̂</c>, <c>dβ += Σ dy</c> and
        /// <c>dx = (γ · inverseStd / m) · (m · dy − Σ dy − x̂ · Σ dy ⊙ x̂)</c> per channel. dRelu and dy are scratch: read
        /// neither afterwards.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes the forward pass wrote <c>[batch × channels × Ho × Wo]</c>; each must lie in its own map.</param>
        /// <param name="dPooled">The gradient with respect to the pooled maps, as <paramref name="argmax"/>.</param>
        /// <param name="y">BatchNorm's outputs (ReLU's inputs), or ReLU's outputs: only whether each is &gt; 0 is read <c>[batch × channels × height × width]</c>.</param>
        /// <param name="dRelu">Room for the gradient with respect to ReLU's outputs, as <paramref name="y"/>: scratch, its values afterwards unspecified.</param>
        /// <param name="dy">Room for the gradient with respect to BatchNorm's outputs, as <paramref name="y"/>: scratch, its values afterwards unspecified.</param>
        /// <param name="xHat">The normalized inputs the forward pass kept, as <paramref name="y"/>.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> the forward pass kept <c>[channels]</c>.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="dgamma">The gradient with respect to γ <c>[channels]</c>, accumulated into.</param>
        /// <param name="dbeta">The gradient with respect to β <c>[channels]</c>, accumulated into.</param>
        /// <param name="dx">The gradient with respect to BatchNorm's inputs, as <paramref name="y"/>, overwritten; empty to skip it.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size.</param>
        /// <param name="stride">The pooling stride.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index of <paramref name="argmax"/> is not in its map.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardReLUMaxPool<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> y,
            Span<T> dRelu,
            Span<T> dy,
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry pool = PoolGeometry(batch, channels, height, width, size, stride);
            int spatial = height * width;
            int length = CheckInput(y.Length, batch, channels, spatial, nameof(y));
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            Check.Length(dPooled.Length, pooledLength, nameof(dPooled), "batch × channels × Ho × Wo");
            Check.Length(dRelu.Length, length, nameof(dRelu), "batch × channels × height × width");
            Check.Length(dy.Length, length, nameof(dy), "batch × channels × height × width");
            Check.Length(xHat.Length, length, nameof(xHat), "batch × channels × height × width");
            CheckFeatures(inverseStd.Length, channels, nameof(inverseStd));
            CheckFeatures(gamma.Length, channels, nameof(gamma));
            CheckFeatures(dgamma.Length, channels, nameof(dgamma));
            CheckFeatures(dbeta.Length, channels, nameof(dbeta));
            bool hasInputGradient = Check.Optional(dx.Length, length, nameof(dx), "batch × channels × height × width");
            CheckOwnMaps(argmax, batch * channels, pool.Positions, spatial);
            if (!FusesPlanes<T>(spatial))
            {
                MaxPool2D.Backward(argmax, dPooled, dRelu, batch, channels, height, width, size, stride);
                Activations.ReLUBackward<T>(y, dRelu, dy);
                Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, channels, spatial);
                return;
            }

            int threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                BackwardReLUMaxPoolPlanes(argmax, dPooled, y, dy, xHat, inverseStd, gamma, dgamma, dbeta, dx, batch, pool, hasInputGradient, 0, channels);
                return;
            }

            fixed (T* pdPooled = dPooled, py = y, pdy = dy, pxHat = xHat, pinverseStd = inverseStd, pgamma = gamma, pdgamma = dgamma, pdbeta = dbeta, pdx = dx)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolBackward;
                (job.Batch, job.Features, job.Spatial, job.Units, job.Flag, job.Geometry) = (batch, channels, spatial, channels, hasInputGradient, pool);
                job.Set(0, pdPooled, dPooled.Length);
                job.Set(1, py, y.Length);
                job.Set(3, pdy, dy.Length);
                job.Set(4, pxHat, xHat.Length);
                job.Set(5, pinverseStd, inverseStd.Length);
                job.Set(6, pgamma, gamma.Length);
                job.Set(7, pdgamma, dgamma.Length);
                job.Set(8, pdbeta, dbeta.Length);
                job.Set(9, pdx, dx.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// BatchNorm → ReLU → MaxPool2D in training, keeping only what the next layer and
        /// <see cref="BackwardReLUMaxPoolFromInputs"/> need: the pooled maps, argmax and the batch statistics. The same
        /// pooled values, argmax, running statistics and <paramref name="inverseStd"/> as
        /// <see cref="ForwardTraining"/>, <see cref="Activations.ReLU"/> and <see cref="MaxPool2D.Forward"/> one after the
        /// other, bit for bit: <c>y = γ (x − μ) · invStd + β</c>, <c>relu = max(0, y)</c> and
        /// <c>pooled[s,c,i,j] = max_(u,v &lt; size) relu[s, c, i·stride + u, j·stride + v]</c>, with x̂, y and relu
        /// computed a map at a time in a scratch map that stays in the L1 cache, never written out. The backward pass
        /// recomputes x̂ from <paramref name="x"/> and <paramref name="mean"/> by the same operations (so the same bits), and
        /// takes the ReLU's mask from the pooled maps (<c>max(y, 0) &gt; 0 ⟺ y &gt; 0</c> at the one position of each window
        /// that gets a gradient).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × channels × height × width]</c>; the backward pass reads them again.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="beta">The shifts β <c>[channels]</c>.</param>
        /// <param name="runningMean">The running means <c>[channels]</c>, updated.</param>
        /// <param name="runningVariance">The running variances <c>[channels]</c>, updated.</param>
        /// <param name="mean">The batch means μ <c>[channels]</c>, kept for the backward pass.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> <c>[channels]</c>, kept for the backward pass.</param>
        /// <param name="pooled">The pooled maps <c>[batch × channels × Ho × Wo]</c>, <c>Ho = ⌊(height − size)/stride⌋ + 1</c>.</param>
        /// <param name="argmax">Where each maximum came from, an index into a map shaped as <paramref name="x"/>, as <paramref name="pooled"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels (BatchNorm's features).</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size (size × size).</param>
        /// <param name="stride">The pooling stride on both axes.</param>
        /// <param name="momentum">The weight of the old running value, in [0, 1).</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or a channel has no values; nothing is changed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardTrainingReLUMaxPool<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> mean,
            Span<T> inverseStd,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride,
            T momentum,
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
            CheckFeatures(mean.Length, channels, nameof(mean));
            CheckFeatures(inverseStd.Length, channels, nameof(inverseStd));
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(pooled.Length, pooledLength, nameof(pooled), "batch × channels × Ho × Wo");
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            if (!PooledOnlyBlocks && length > 0)
            {
                (T[] xHatMaps, T[] reluMaps, _) = ComparisonMaps<T>.For(x, length);
                ForwardTrainingReLUMaxPool(x, gamma, beta, runningMean, runningVariance, xHatMaps, inverseStd, reluMaps, reluMaps, pooled, argmax, batch, channels, height, width, size, stride, momentum, epsilon);
                return;
            }

            if (length == 0)
            {
                // No values: ForwardTraining's refusal (or, with no channels, nothing to do).
                ForwardTraining(x, gamma, beta, runningMean, runningVariance, Span<T>.Empty, inverseStd, Span<T>.Empty, batch, channels, spatial, momentum, epsilon);
                return;
            }

            if (!FusesPlanes<T>(spatial))
            {
                // Maps shorter than a vector: the three kernels (BatchNorm's one-value-at-a-time loops, as ForwardTraining
                // takes them here), with x̂ and the rectified maps in rented scratch.
                T[] rented = ArrayPool<T>.Shared.Rent(2 * length);
                try
                {
                    Span<T> xHat = rented.AsSpan(0, length), relu = rented.AsSpan(length, length);
                    ForwardTrainingPerFeature(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, relu, batch, channels, spatial, momentum, epsilon, mean);
                    TensorPrimitives.Max(relu, T.Zero, relu);
                    MaxPool2D.Forward<T>(relu, pooled, argmax, batch, channels, height, width, size, stride);
                }
                finally
                {
                    ArrayPool<T>.Shared.Return(rented);
                }

                return;
            }

            int threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                ForwardTrainingReLUMaxPoolPooledPlanes(x, gamma, beta, runningMean, runningVariance, mean, inverseStd, pooled, argmax, batch, pool, momentum, epsilon, 0, channels);
                return;
            }

            if (typeof(T) == typeof(float) && GemmTuning.SampleSplitBlocks && batch >= 2 * threads)
            {
                ForwardTrainingReLUMaxPoolPooledBySamples(x, gamma, beta, runningMean, runningVariance, mean, inverseStd, pooled, argmax, batch, pool, momentum, epsilon, threads);
                return;
            }

            fixed (T* px = x, pgamma = gamma, pbeta = beta, prunningMean = runningMean, pvariance = runningVariance, pmean = mean, pinverseStd = inverseStd, ppooled = pooled)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolForwardPooled;
                (job.Batch, job.Features, job.Spatial, job.Units, job.First, job.Second, job.Geometry) = (batch, channels, spatial, channels, momentum, epsilon, pool);
                job.Set(0, px, x.Length);
                job.Set(1, pgamma, gamma.Length);
                job.Set(2, pbeta, beta.Length);
                job.Set(3, prunningMean, runningMean.Length);
                job.Set(4, pvariance, runningVariance.Length);
                job.Set(5, pmean, mean.Length);
                job.Set(6, pinverseStd, inverseStd.Length);
                job.Set(7, ppooled, pooled.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// The backward pass of <see cref="ForwardTrainingReLUMaxPool{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{int}, int, int, int, int, int, int, T, T)"/>
        /// from what it kept: the same dγ, dβ and dx as <see cref="MaxPool2D.Backward"/>, <see cref="Activations.ReLUBackward"/>
        /// and <see cref="Backward"/> one after the other, bit for bit. <c>dy = 0</c>, then
        /// <c>dy[argmax[k]] += pooled[k] &gt; 0 ? dPooled[k] : 0</c> (the pooled value is the rectified value at argmax, so
        /// this is the unpooled gradient masked by <c>y &gt; 0</c>); <c>x̂ = (x − μ) · inverseStd</c> recomputed;
        /// <c>dγ += Σ dy ⊙ x̂</c>, <c>dβ += Σ dy</c> and <c>dx = (γ · inverseStd / m) · (m · dy − Σ dy − x̂ · Σ dy ⊙ x̂)</c>
        /// per channel. Reads neither x̂ nor the rectified maps, which the forward pass no longer writes.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="argmax">The indexes the forward pass wrote <c>[batch × channels × Ho × Wo]</c>; each must lie in its own map.</param>
        /// <param name="dPooled">The gradient with respect to the pooled maps, as <paramref name="argmax"/>.</param>
        /// <param name="pooled">The pooled maps the forward pass wrote, as <paramref name="argmax"/>: only whether each is &gt; 0 is read.</param>
        /// <param name="x">The forward pass's inputs <c>[batch × channels × height × width]</c>.</param>
        /// <param name="mean">The batch means μ the forward pass kept <c>[channels]</c>.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> the forward pass kept <c>[channels]</c>.</param>
        /// <param name="gamma">The scales γ <c>[channels]</c>.</param>
        /// <param name="dgamma">The gradient with respect to γ <c>[channels]</c>, accumulated into.</param>
        /// <param name="dbeta">The gradient with respect to β <c>[channels]</c>, accumulated into.</param>
        /// <param name="dx">The gradient with respect to BatchNorm's inputs, as <paramref name="x"/>, overwritten; empty to skip it.</param>
        /// <param name="dy">Room for the gradient with respect to BatchNorm's outputs, as <paramref name="x"/>: scratch, its values afterwards unspecified.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels.</param>
        /// <param name="height">Map height.</param>
        /// <param name="width">Map width.</param>
        /// <param name="size">The pooling window's size.</param>
        /// <param name="stride">The pooling stride.</param>
        /// <exception cref="ArgumentException">A size is out of range, a span's length does not match the sizes, or an index of <paramref name="argmax"/> is not in its map; nothing is changed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardReLUMaxPoolFromInputs<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> pooled,
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> mean,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            Span<T> dy,
            int batch,
            int channels,
            int height,
            int width,
            int size,
            int stride)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry pool = PoolGeometry(batch, channels, height, width, size, stride);
            int spatial = height * width;
            int length = CheckInput(x.Length, batch, channels, spatial);
            int pooledLength = batch * channels * pool.Positions;
            Check.Length(argmax.Length, pooledLength, nameof(argmax), "batch × channels × Ho × Wo");
            Check.Length(dPooled.Length, pooledLength, nameof(dPooled), "batch × channels × Ho × Wo");
            Check.Length(pooled.Length, pooledLength, nameof(pooled), "batch × channels × Ho × Wo");
            CheckFeatures(mean.Length, channels, nameof(mean));
            CheckFeatures(inverseStd.Length, channels, nameof(inverseStd));
            CheckFeatures(gamma.Length, channels, nameof(gamma));
            CheckFeatures(dgamma.Length, channels, nameof(dgamma));
            CheckFeatures(dbeta.Length, channels, nameof(dbeta));
            bool hasInputGradient = Check.Optional(dx.Length, length, nameof(dx), "batch × channels × height × width");
            Check.Length(dy.Length, length, nameof(dy), "batch × channels × height × width");
            CheckOwnMaps(argmax, batch * channels, pool.Positions, spatial);
            if (!PooledOnlyBlocks && length > 0)
            {
                (T[] xHatMaps, T[] reluMaps, T[] dReluMaps) = ComparisonMaps<T>.For(x, length);
                BackwardReLUMaxPool(argmax, dPooled, reluMaps, dReluMaps, dy, xHatMaps, inverseStd, gamma, dgamma, dbeta, dx, batch, channels, height, width, size, stride);
                return;
            }

            if (!FusesPlanes<T>(spatial))
            {
                // Maps shorter than a vector: x̂ recomputed into rented scratch, the masked unpooling, then Backward.
                T[] rented = ArrayPool<T>.Shared.Rent(length);
                try
                {
                    Span<T> xHat = rented.AsSpan(0, length);
                    for (int plane = 0; plane < batch * channels; plane++)
                    {
                        int f = plane % channels, start = plane * spatial;
                        for (int p = start; p < start + spatial; p++)
                        {
                            xHat[p] = (x[p] - mean[f]) * inverseStd[f];
                        }
                    }

                    dy.Clear();
                    UnpoolPositive(argmax, dPooled, pooled, dy, 0, pooledLength, 0);
                    Backward<T>(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, channels, spatial);
                }
                finally
                {
                    ArrayPool<T>.Shared.Return(rented);
                }

                return;
            }

            int threads = MapJob<T>.Threads(length);
            if (threads <= 1)
            {
                BackwardReLUMaxPoolFromInputsPlanes(argmax, dPooled, pooled, x, mean, inverseStd, gamma, dgamma, dbeta, dx, dy, batch, pool, hasInputGradient, 0, channels);
                return;
            }

            fixed (T* pdPooled = dPooled, ppooled = pooled, px = x, pmean = mean, pinverseStd = inverseStd, pgamma = gamma, pdgamma = dgamma, pdbeta = dbeta, pdx = dx, pdy = dy)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolBackwardFromInputs;
                (job.Batch, job.Features, job.Spatial, job.Units, job.Flag, job.Geometry) = (batch, channels, spatial, channels, hasInputGradient, pool);
                job.Set(0, pdPooled, dPooled.Length);
                job.Set(1, ppooled, pooled.Length);
                job.Set(2, px, x.Length);
                job.Set(3, pmean, mean.Length);
                job.Set(4, pinverseStd, inverseStd.Length);
                job.Set(5, pgamma, gamma.Length);
                job.Set(6, pdgamma, dgamma.Length);
                job.Set(7, pdbeta, dbeta.Length);
                job.Set(8, pdx, dx.Length);
                job.Set(9, pdy, dy.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>
        /// Whether <see cref="ForwardTrainingReLUMaxPool{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{int}, int, int, int, int, int, int, T, T)"/>
        /// and <see cref="BackwardReLUMaxPoolFromInputs"/> keep only the pooled maps (the default). Only the benchmarks turn
        /// it off, to time a whole train step against the full-map passes in one process: the two calls then run the
        /// full-map kernels on x̂ and rectified maps of their own (<see cref="ComparisonMaps{T}"/>), the memory traffic of the
        /// generated code before the pooled-only pass, with the same results.
        /// </summary>
        internal static bool PooledOnlyBlocks { get; set; } = true;

        /// <summary>
        /// The maps the full-map kernels write when <see cref="PooledOnlyBlocks"/> is off, one set per block, found by the
        /// address of its input (a large array, which the garbage collector does not move): benchmarks only.
        /// </summary>
        private static class ComparisonMaps<T>
            where T : unmanaged
        {
            private static readonly System.Collections.Generic.Dictionary<nint, (T[] XHat, T[] Relu, T[] DRelu)> s_maps = new();

            public static (T[] XHat, T[] Relu, T[] DRelu) For(ReadOnlySpan<T> x, int length)
            {
                nint key = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(x));
                lock (s_maps)
                {
                    if (!s_maps.TryGetValue(key, out (T[] XHat, T[] Relu, T[] DRelu) maps) || maps.XHat.Length != length)
                    {
                        maps = (new T[length], new T[length], new T[length]);
                        s_maps[key] = maps;
                    }

                    return maps;
                }
            }
        }

        /// <summary>
        /// <c>dy[argmax[k] − offset] += pooled[k] &gt; 0 ? dPooled[k] : 0</c> for k in <c>[k0, k1)</c>, in order: the unpooled
        /// gradient masked by ReLU'. Adding +0 where the mask is off leaves every sum as the unmasked pass's select gives it
        /// (dy starts at +0, so no −0 is ever turned into +0), and a NaN gradient under a closed mask is dropped as it is there.
        /// </summary>
        /// <remarks>The callers checked every index (<see cref="CheckOwnMaps"/>) and the range, so the loop runs without bounds checks.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void UnpoolPositive<T>(ReadOnlySpan<int> argmax, ReadOnlySpan<T> dPooled, ReadOnlySpan<T> pooled, Span<T> dy, int k0, int k1, int offset)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref int indexes = ref MemoryMarshal.GetReference(argmax);
            ref T gradients = ref MemoryMarshal.GetReference(dPooled);
            ref T maxima = ref MemoryMarshal.GetReference(pooled);
            ref T target = ref MemoryMarshal.GetReference(dy);
            for (int k = k0; k < k1; k++)
            {
                T gradient = Unsafe.Add(ref gradients, k);
                Unsafe.Add(ref target, Unsafe.Add(ref indexes, k) - offset) += Unsafe.Add(ref maxima, k) > T.Zero ? gradient : T.Zero;
            }
        }

        /// <summary>
        /// Channels <c>[f0, f1)</c> of the pooled-only <see cref="ForwardTrainingReLUMaxPool{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{int}, int, int, int, int, int, int, T, T)"/>:
        /// <see cref="ForwardTrainingPlanes"/>'s statistics, then each map normalized and rectified into one scratch map
        /// (in the L1 cache) by the same operations as the full pass, and pooled from there.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardTrainingReLUMaxPoolPooledPlanes<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> mean,
            Span<T> inverseStd,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            in WindowGeometry pool,
            T momentum,
            T epsilon,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, count = f1 - f0;
            if (count <= 0)
            {
                return;
            }

            T[]? rented = null, rentedMap = null;
            Span<T> statistics = 2 * count <= StackLimit ? stackalloc T[2 * count] : (rented = ArrayPool<T>.Shared.Rent(2 * count)).AsSpan(0, 2 * count);
            Span<T> means = statistics.Slice(0, count), variances = statistics.Slice(count, count);
            Span<T> map = spatial <= StackLimit ? stackalloc T[spatial] : (rentedMap = ArrayPool<T>.Shared.Rent(spatial)).AsSpan(0, spatial);
            MapStatistics(x, batch, features, spatial, f0, f1, means, variances);
            UpdateStatistics(runningMean, runningVariance, inverseStd, f0, f1, means, variances, momentum, epsilon);
            means.CopyTo(mean.Slice(f0, count));
            for (int s = 0; s < batch; s++)
            {
                for (int f = f0; f < f1; f++)
                {
                    NormalizeReLUMaxPoolMap(x, means[f - f0], inverseStd[f], gamma[f], beta[f], map, pooled, argmax, (s * features) + f, pool);
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }

            if (rentedMap is not null)
            {
                ArrayPool<T>.Shared.Return(rentedMap);
            }
        }

        /// <summary>
        /// The pooled-only training forward on several threads, split by samples rather than by channels, so that each
        /// thread reads the maps of the samples the layer before most likely wrote on it (a convolution splits by samples
        /// too): each map's shifted sums go into a table, which is summed per channel in sample order on this thread, and
        /// the maps are then normalized, rectified and pooled by samples. The same operations in the same order as
        /// <see cref="MapStatistics"/> and <see cref="ForwardTrainingReLUMaxPoolPooledPlanes"/>, so the same bits (float only,
        /// whose statistics are one pass of shifted sums).
        /// </summary>
        private static void ForwardTrainingReLUMaxPoolPooledBySamples<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> mean,
            Span<T> inverseStd,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            in WindowGeometry pool,
            T momentum,
            T epsilon,
            int threads)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int channels = pool.Channels, spatial = pool.Height * pool.Width;
            T[]? rented = null;
            Span<T> statistics = 2 * channels <= StackLimit ? stackalloc T[2 * channels] : (rented = ArrayPool<T>.Shared.Rent(2 * channels)).AsSpan(0, 2 * channels);
            Span<T> shifts = statistics.Slice(0, channels), variances = statistics.Slice(channels, channels);
            for (int f = 0; f < channels; f++)
            {
                shifts[f] = MapShift(x, f, spatial);
            }

            int tableLength = 2 * batch * channels;
            double[] table = ArrayPool<double>.Shared.Rent(tableLength);
            try
            {
                fixed (T* px = x, pshifts = shifts)
                fixed (double* ptable = table)
                {
                    MapJob<T> job = MapJob<T>.ForThisThread();
                    job.Kind = MapKind.BatchNormShiftedMapSums;
                    (job.Features, job.Spatial, job.Units) = (channels, spatial, batch);
                    job.Set(0, px, x.Length);
                    job.Set(1, pshifts, shifts.Length);
                    job.SetDoubles(ptable, tableLength);
                    job.Run(threads);
                }

                double m = Check.Product(batch, spatial, "batch × spatial");
                for (int f = 0; f < channels; f++)
                {
                    double first = 0, second = 0;
                    for (int s = 0; s < batch; s++)
                    {
                        first += table[2 * ((s * channels) + f)];
                        second += table[(2 * ((s * channels) + f)) + 1];
                    }

                    (mean[f], variances[f]) = FromShiftedSums(first, second, m, shifts[f]);
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(table);
            }

            UpdateStatistics(runningMean, runningVariance, inverseStd, 0, channels, mean.Slice(0, channels), variances, momentum, epsilon);
            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }

            fixed (T* px = x, pgamma = gamma, pbeta = beta, pmean = mean, pinverseStd = inverseStd, ppooled = pooled)
            fixed (int* pargmax = argmax)
            {
                MapJob<T> job = MapJob<T>.ForThisThread();
                job.Kind = MapKind.BatchNormReLUMaxPoolNormalizeSamples;
                (job.Units, job.Geometry) = (batch, pool);
                job.Set(0, px, x.Length);
                job.Set(1, pgamma, gamma.Length);
                job.Set(2, pbeta, beta.Length);
                job.Set(3, pmean, mean.Length);
                job.Set(4, pinverseStd, inverseStd.Length);
                job.Set(5, ppooled, pooled.Length);
                job.SetIndexes(pargmax, argmax.Length);
                job.Run(threads);
            }
        }

        /// <summary>Samples <c>[s0, s1)</c>: each map's <see cref="Planes.ShiftedSums"/> into <c>table[2 (s·C + f)]</c> and the next slot.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ShiftedMapSums<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> shifts, Span<double> table, int channels, int spatial, int s0, int s1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int s = s0; s < s1; s++)
            {
                for (int f = 0; f < channels; f++)
                {
                    int plane = (s * channels) + f;
                    (table[2 * plane], table[(2 * plane) + 1]) = Planes.ShiftedSums(x.Slice(plane * spatial, spatial), shifts[f]);
                }
            }
        }

        /// <summary>Samples <c>[s0, s1)</c> of the pooled-only pass's maps: normalized, rectified and pooled, as in <see cref="ForwardTrainingReLUMaxPoolPooledPlanes"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void NormalizeReLUMaxPoolSamples<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> mean, ReadOnlySpan<T> inverseStd, Span<T> pooled, Span<int> argmax, in WindowGeometry pool, int s0, int s1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width;
            T[]? rentedMap = null;
            Span<T> map = spatial <= StackLimit ? stackalloc T[spatial] : (rentedMap = ArrayPool<T>.Shared.Rent(spatial)).AsSpan(0, spatial);
            for (int s = s0; s < s1; s++)
            {
                for (int f = 0; f < features; f++)
                {
                    NormalizeReLUMaxPoolMap(x, mean[f], inverseStd[f], gamma[f], beta[f], map, pooled, argmax, (s * features) + f, pool);
                }
            }

            if (rentedMap is not null)
            {
                ArrayPool<T>.Shared.Return(rentedMap);
            }
        }

        /// <summary>
        /// One map of the pooled-only pass, by way of one scratch map (in the L1 cache):
        /// y = γ (x − μ) · invStd + β;  relu = max(0, y);  pooled, argmax = max over each window of relu.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void NormalizeReLUMaxPoolMap<T>(ReadOnlySpan<T> x, T mean, T inverseStd, T gamma, T beta, Span<T> map, Span<T> pooled, Span<int> argmax, int plane, in WindowGeometry pool)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int start = plane * map.Length, positions = pool.Positions;
            Planes.NormalizeOutput(x.Slice(start, map.Length), mean, inverseStd, gamma, beta, map);
            TensorPrimitives.Max(map, T.Zero, map);
            Span<int> indexes = argmax.Slice(plane * positions, positions);
            Pooling.MaxForwardPlanes<T>(map, pooled.Slice(plane * positions, positions), indexes, 0, 1, pool, keepIndexes: true);
            Offset(indexes, start);
        }

        /// <summary><c>indexes[k] += offset</c>: indexes into one scratch map made indexes into the batch.</summary>
        private static void Offset(Span<int> indexes, int offset)
        {
            ref int first = ref MemoryMarshal.GetReference(indexes);
            int n = indexes.Length, i = 0;
            var add = new Vector<int>(offset);
            for (; i <= n - Vector<int>.Count; i += Vector<int>.Count)
            {
                (Vector.LoadUnsafe(ref first, (nuint)i) + add).StoreUnsafe(ref first, (nuint)i);
            }

            for (; i < n; i++)
            {
                Unsafe.Add(ref first, i) += offset;
            }
        }

        /// <summary>
        /// Channels <c>[f0, f1)</c> of <see cref="BackwardReLUMaxPoolFromInputs"/> channel by channel: each map unpooled
        /// and masked in the planes of channel f0 of dy, x̂ recomputed into one scratch map, both summed while in cache,
        /// then the input gradient from those planes with x̂ recomputed again on the way. (Going through the maps in
        /// memory order instead, unpooling twice and keeping no dy planes, was 0.8–0.93× as fast at both of the Fashion
        /// CNN's shapes.)
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardReLUMaxPoolFromInputsPlanes<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> pooled,
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> mean,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            Span<T> dy,
            int batch,
            in WindowGeometry pool,
            bool hasInputGradient,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, positions = pool.Positions;
            if (f1 <= f0)
            {
                return;
            }

            T[]? rentedMap = null;
            Span<T> xHat = spatial <= StackLimit ? stackalloc T[spatial] : (rentedMap = ArrayPool<T>.Shared.Rent(spatial)).AsSpan(0, spatial);
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = f0; f < f1; f++)
            {
                T sumDy = T.Zero;
                T sumDyXHat = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int plane = (s * features) + f, start = plane * spatial;
                    Span<T> dys = dy.Slice(((s * features) + f0) * spatial, spatial);
                    PrefetchMap(x, start + (features * spatial), spatial);
                    PrefetchMap(dPooled, (plane + features) * positions, positions);
                    PrefetchMap(pooled, (plane + features) * positions, positions);
                    PrefetchMap(argmax, (plane + features) * positions, positions);

                    // dy = 0, then dy[argmax[k]] += dPooled[k] where pooled[k] > 0;  x̂ = (x − μ) · invStd
                    dys.Clear();
                    UnpoolPositive(argmax, dPooled, pooled, dys, plane * positions, (plane + 1) * positions, start);
                    Planes.Center(x.Slice(start, spatial), mean[f], inverseStd[f], xHat);

                    // Σdy and Σdy·x̂
                    (T partialDy, T partialDyXHat) = Planes.SumWithProduct<T>(dys, xHat);
                    sumDy += partialDy;
                    sumDyXHat += partialDyXHat;
                }

                dgamma[f] += sumDyXHat;
                dbeta[f] += sumDy;
                if (hasInputGradient)
                {
                    T scale = gamma[f] * inverseStd[f] / m;
                    for (int s = 0; s < batch; s++)
                    {
                        int start = ((s * features) + f) * spatial;
                        PrefetchMap(x, start + (features * spatial), spatial);
                        PrefetchMap<T>(dx, start + (features * spatial), spatial);
                        Planes.InputGradientFromInputs(dy.Slice(((s * features) + f0) * spatial, spatial), x.Slice(start, spatial), mean[f], inverseStd[f], sumDy, sumDyXHat, scale, m, dx.Slice(start, spatial));
                    }
                }
            }

            if (rentedMap is not null)
            {
                ArrayPool<T>.Shared.Return(rentedMap);
            }
        }

        /// <summary>
        /// Throws unless each of the <paramref name="maps"/> maps' <paramref name="positions"/> indexes lies in that map of
        /// <paramref name="spatial"/> values: checked before anything is written.
        /// </summary>
        private static void CheckOwnMaps(ReadOnlySpan<int> argmax, int maps, int positions, int spatial)
        {
            for (int plane = 0; plane < maps; plane++)
            {
                int start = plane * spatial, bad = Pooling.FirstOutside(argmax.Slice(plane * positions, positions), start, spatial);
                if (bad >= 0)
                {
                    int k = (plane * positions) + bad;
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"argmax[{k}] = {argmax[k]} is not an index of its map [{start}, {start + spatial}) of y: pass the indexes written by the forward pass."), nameof(argmax));
                }
            }
        }

        /// <summary>Whether the fused kernels run their pass per map: when <see cref="ForwardTraining"/> and <see cref="Backward"/> would take their per-map vector loops.</summary>
        private static bool FusesPlanes<T>(int spatial)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Vector.IsHardwareAccelerated && spatial >= Vector<T>.Count;

        private static WindowGeometry PoolGeometry(int batch, int channels, int height, int width, int size, int stride)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(size, nameof(size));
            Check.Positive(stride, nameof(stride));
            return WindowGeometry.Create(channels, height, width, size, size, stride, stride, 0, 0, nameof(size), oneDimensional: false);
        }

        /// <summary>
        /// Channels <c>[f0, f1)</c> of <see cref="ForwardTrainingReLUMaxPool{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{T}, Span{int}, int, int, int, int, int, int, T, T)"/>: <see cref="ForwardTrainingPlanes"/>'s
        /// statistics, then each map normalized, rectified and pooled while it is in the L1 cache, in memory order.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardTrainingReLUMaxPoolPlanes<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            Span<T> relu,
            Span<T> pooled,
            Span<int> argmax,
            int batch,
            in WindowGeometry pool,
            T momentum,
            T epsilon,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, count = f1 - f0;
            if (count <= 0)
            {
                return;
            }

            T[]? rented = null;
            Span<T> statistics = 2 * count <= StackLimit ? stackalloc T[2 * count] : (rented = ArrayPool<T>.Shared.Rent(2 * count)).AsSpan(0, 2 * count);
            Span<T> means = statistics.Slice(0, count), variances = statistics.Slice(count, count);
            MapStatistics(x, batch, features, spatial, f0, f1, means, variances);
            UpdateStatistics(runningMean, runningVariance, inverseStd, f0, f1, means, variances, momentum, epsilon);
            bool twoByTwo = pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2;
            for (int s = 0; s < batch; s++)
            {
                for (int f = f0; f < f1; f++)
                {
                    // x̂ = (x − μ) · invStd, y = γ x̂ + β;  relu = max(0, y);  pooled, argmax = max over each window of relu
                    int plane = (s * features) + f, start = plane * spatial;
                    Span<T> ys = y.Slice(start, spatial);
                    Planes.Normalize(x.Slice(start, spatial), means[f - f0], inverseStd[f], gamma[f], beta[f], xHat.Slice(start, spatial), ys);
                    TensorPrimitives.Max(ys, T.Zero, relu.Slice(start, spatial));
                    if (twoByTwo)
                    {
                        Pooling.MaxForward2By2<T>(relu, pooled, argmax, plane, plane + 1, pool, keepIndexes: true);
                    }
                    else
                    {
                        Pooling.MaxForwardPlanes<T>(relu, pooled, argmax, plane, plane + 1, pool, keepIndexes: true);
                    }
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        /// <summary>
        /// Channels <c>[f0, f1)</c> of <see cref="BackwardReLUMaxPool"/>: each map unpooled and masked in place in the
        /// planes of channel f0 of dy, summed while in cache, then <see cref="BackwardPlanes"/>'s input gradient from
        /// those planes. dRelu is not used.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardReLUMaxPoolPlanes<T>(
            ReadOnlySpan<int> argmax,
            ReadOnlySpan<T> dPooled,
            ReadOnlySpan<T> y,
            Span<T> dy,
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            in WindowGeometry pool,
            bool hasInputGradient,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int features = pool.Channels, spatial = pool.Height * pool.Width, positions = pool.Positions;
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = f0; f < f1; f++)
            {
                T sumDy = T.Zero;
                T sumDyXHat = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int plane = (s * features) + f, start = plane * spatial;
                    Span<T> dys = dy.Slice(((s * features) + f0) * spatial, spatial);

                    // dRelu = 0, then dRelu[argmax[k]] += dPooled[k];  dy = y > 0 ? dRelu : 0 (both in dy's scratch plane)
                    Span<T> dRelus = dys;
                    dRelus.Clear();
                    for (int k = plane * positions, end = k + positions; k < end; k++)
                    {
                        dRelus[argmax[k] - start] += dPooled[k];
                    }

                    Activations.ReLUBackwardRun<T>(y.Slice(start, spatial), dRelus, dys);

                    // Σdy and Σdy·x̂
                    (T partialDy, T partialDyXHat) = Planes.SumWithProduct<T>(dys, xHat.Slice(start, spatial));
                    sumDy += partialDy;
                    sumDyXHat += partialDyXHat;
                }

                FinishChannel(xHat, inverseStd, gamma, dy, f0, dgamma, dbeta, dx, batch, features, spatial, hasInputGradient, f, m, sumDy, sumDyXHat);
            }
        }
    }
}
