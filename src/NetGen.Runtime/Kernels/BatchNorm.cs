using System;
using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// Batch normalization. The input is <c>x [batch × features × spatial]</c> row-major; statistics are per feature,
    /// over the <c>m = batch · spatial</c> values of that feature (<c>spatial</c> = 1 after a dense layer, H·W after a
    /// convolution, where the features are the channels). Element <c>(s, f, p)</c> sits at <c>(s·features + f)·spatial + p</c>.
    /// </summary>
    public static unsafe partial class BatchNorm
    {
        /// <summary>
        /// Forward pass in training mode. Per feature f, over its m values: <c>μ = Σx / m</c>, biased
        /// <c>σ² = Σ(x − μ)² / m</c>, <c>inverseStd = 1/√(σ² + ε)</c>, <c>x̂ = (x − μ) · inverseStd</c>, <c>y = γ x̂ + β</c>;
        /// then <c>running = momentum · running + (1 − momentum) · batch value</c> for μ and σ² (biased).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="beta">The shifts β <c>[features]</c>.</param>
        /// <param name="runningMean">The running means <c>[features]</c>, updated.</param>
        /// <param name="runningVariance">The running variances <c>[features]</c>, updated.</param>
        /// <param name="xHat">The normalized inputs <c>[batch × features × spatial]</c>, kept for the backward pass.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> <c>[features]</c>, kept for the backward pass.</param>
        /// <param name="y">The outputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels) per sample.</param>
        /// <param name="spatial">Values per feature and sample.</param>
        /// <param name="momentum">The weight of the old running value, in [0, 1).</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes, or a feature has no values (m = 0).</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardTraining<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            int batch,
            int features,
            int spatial,
            T momentum,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(x.Length, batch, features, spatial);
            CheckFeatures(gamma.Length, features, nameof(gamma));
            CheckFeatures(beta.Length, features, nameof(beta));
            CheckFeatures(runningMean.Length, features, nameof(runningMean));
            CheckFeatures(runningVariance.Length, features, nameof(runningVariance));
            Check.Length(xHat.Length, length, nameof(xHat), "batch × features × spatial");
            CheckFeatures(inverseStd.Length, features, nameof(inverseStd));
            Check.Length(y.Length, length, nameof(y), "batch × features × spatial");
            if (features > 0 && length == 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Batch normalization in training needs at least one value per feature: batch = {batch}, spatial = {spatial}."), nameof(x));
            }

            // Dense activations (spatial 1) go by vectors across features and split by groups of whole vectors of them;
            // maps go per feature. Either way each feature is summed in the same order on any thread.
            bool rows = spatial == 1 && Vector.IsHardwareAccelerated && features >= Vector<T>.Count;
            if (rows || (Vector.IsHardwareAccelerated && spatial >= Vector<T>.Count))
            {
                int threads = rows ? Math.Min(MapJob<T>.Threads(length, MapJob<T>.LightGrain), features / Vector<T>.Count) : MapJob<T>.Threads(length);
                if (threads <= 1)
                {
                    if (rows)
                    {
                        ForwardTrainingRows(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, features, momentum, epsilon, 0, features);
                    }
                    else
                    {
                        ForwardTrainingPlanes(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, features, spatial, momentum, epsilon, 0, features);
                    }

                    return;
                }

                fixed (T* px = x, pgamma = gamma, pbeta = beta, pmean = runningMean, pvariance = runningVariance, pxHat = xHat, pinverseStd = inverseStd, py = y)
                {
                    MapJob<T> job = MapJob<T>.ForThisThread();
                    job.Kind = rows ? MapKind.BatchNormRowsForward : MapKind.BatchNormForward;
                    (job.Batch, job.Features, job.Spatial, job.Units, job.Step, job.First, job.Second) = (batch, features, spatial, features, rows ? Vector<T>.Count : 1, momentum, epsilon);
                    job.Set(0, px, x.Length);
                    job.Set(1, pgamma, gamma.Length);
                    job.Set(2, pbeta, beta.Length);
                    job.Set(3, pmean, runningMean.Length);
                    job.Set(4, pvariance, runningVariance.Length);
                    job.Set(5, pxHat, xHat.Length);
                    job.Set(6, pinverseStd, inverseStd.Length);
                    job.Set(7, py, y.Length);
                    job.Run(threads);
                }

                return;
            }

            ForwardTrainingPerFeature(x, gamma, beta, runningMean, runningVariance, xHat, inverseStd, y, batch, features, spatial, momentum, epsilon);
        }

        /// <summary>
        /// The per-feature loops of <see cref="ForwardTraining{T}"/>, one value at a time: the reference that the row path
        /// (spatial 1) matches bit for bit, and the path for maps shorter than a vector. A non-empty
        /// <paramref name="means"/> <c>[features]</c> receives the batch means.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardTrainingPerFeature<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            int batch,
            int features,
            int spatial,
            T momentum,
            T epsilon,
            Span<T> means = default)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            T keep = T.One - momentum;
            for (int f = 0; f < features; f++)
            {
                // μ = Σx / m
                T sum = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    ReadOnlySpan<T> values = x.Slice(((s * features) + f) * spatial, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        sum += values[p];
                    }
                }

                T mean = sum / m;
                if (!means.IsEmpty)
                {
                    means[f] = mean;
                }

                // σ² = Σ(x − μ)² / m, from the centred values (two passes: no cancellation)
                T squares = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    ReadOnlySpan<T> values = x.Slice(((s * features) + f) * spatial, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        T centred = values[p] - mean;
                        squares += centred * centred;
                    }
                }

                T variance = squares / m;
                T invStd = T.One / T.Sqrt(variance + epsilon);
                inverseStd[f] = invStd;

                // x̂ = (x − μ) · invStd;  y = γ x̂ + β
                T g = gamma[f];
                T b = beta[f];
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> values = x.Slice(start, spatial);
                    Span<T> normalized = xHat.Slice(start, spatial);
                    Span<T> outputs = y.Slice(start, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        T n = (values[p] - mean) * invStd;
                        normalized[p] = n;
                        outputs[p] = (g * n) + b;
                    }
                }

                runningMean[f] = (momentum * runningMean[f]) + (keep * mean);
                runningVariance[f] = (momentum * runningVariance[f]) + (keep * variance);
            }
        }

        /// <summary>
        /// Forward pass in inference mode, with the running statistics: effectively computes
        /// <c>y = γ · (x − runningMean) / √(runningVariance + ε) + β</c> per feature.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="beta">The shifts β <c>[features]</c>.</param>
        /// <param name="runningMean">The running means <c>[features]</c>.</param>
        /// <param name="runningVariance">The running variances <c>[features]</c>.</param>
        /// <param name="y">The outputs <c>[batch × features × spatial]</c>; may be the same span as <paramref name="x"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels) per sample.</param>
        /// <param name="spatial">Values per feature and sample.</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ForwardInference<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> y,
            int batch,
            int features,
            int spatial,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(x.Length, batch, features, spatial);
            CheckFeatures(gamma.Length, features, nameof(gamma));
            CheckFeatures(beta.Length, features, nameof(beta));
            CheckFeatures(runningMean.Length, features, nameof(runningMean));
            CheckFeatures(runningVariance.Length, features, nameof(runningVariance));
            Check.Length(y.Length, length, nameof(y), "batch × features × spatial");

            if (spatial == 1 && Vector.IsHardwareAccelerated && features >= Vector<T>.Count)
            {
                ForwardInferenceRows(x, gamma, beta, runningMean, runningVariance, y, batch, features, epsilon);
                return;
            }

            ForwardInferencePerFeature(x, gamma, beta, runningMean, runningVariance, y, batch, features, spatial, epsilon, Vector.IsHardwareAccelerated && spatial >= Vector<T>.Count);
        }

        /// <summary>
        /// The per-feature loops of <see cref="ForwardInference{T}"/>: with <paramref name="vectors"/> each map goes by
        /// vectors (the same operations on each value, so the same results), else one value at a time.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardInferencePerFeature<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> y,
            int batch,
            int features,
            int spatial,
            T epsilon,
            bool vectors)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int f = 0; f < features; f++)
            {
                T mean = runningMean[f];
                T scale = gamma[f] / T.Sqrt(runningVariance[f] + epsilon);
                T b = beta[f];
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> values = x.Slice(start, spatial);
                    Span<T> outputs = y.Slice(start, spatial);
                    if (vectors)
                    {
                        Planes.ScaleShift(values, mean, scale, b, outputs);
                        continue;
                    }

                    for (int p = 0; p < spatial; p++)
                    {
                        outputs[p] = (scale * (values[p] - mean)) + b;
                    }
                }
            }
        }

        /// <summary>
        /// Backward pass of <see cref="ForwardTraining{T}"/>. Per feature, over its m values, with <c>dx̂ = dy · γ</c>:
        /// <c>dγ += Σ dy · x̂</c> and <c>dβ += Σ dy</c> (accumulate), and
        /// <c>dx = (inverseStd / m) · (m · dx̂ − Σdx̂ − x̂ · Σ(dx̂ · x̂))</c> (overwrites).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="xHat">The normalized inputs of the forward pass <c>[batch × features × spatial]</c>.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> of the forward pass <c>[features]</c>.</param>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="dy">The gradient with respect to the outputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="dgamma">The gradient with respect to γ <c>[features]</c>, accumulated into.</param>
        /// <param name="dbeta">The gradient with respect to β <c>[features]</c>, accumulated into.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × features × spatial]</c>, overwritten; empty to skip it.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels) per sample.</param>
        /// <param name="spatial">Values per feature and sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> dy,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int features,
            int spatial)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(xHat.Length, batch, features, spatial, nameof(xHat));
            CheckFeatures(inverseStd.Length, features, nameof(inverseStd));
            CheckFeatures(gamma.Length, features, nameof(gamma));
            Check.Length(dy.Length, length, nameof(dy), "batch × features × spatial");
            CheckFeatures(dgamma.Length, features, nameof(dgamma));
            CheckFeatures(dbeta.Length, features, nameof(dbeta));
            bool hasInputGradient = Check.Optional(dx.Length, length, nameof(dx), "batch × features × spatial");

            bool rows = spatial == 1 && Vector.IsHardwareAccelerated && features >= Vector<T>.Count;
            if (rows || (Vector.IsHardwareAccelerated && spatial >= Vector<T>.Count))
            {
                int threads = rows ? Math.Min(MapJob<T>.Threads(length), features / Vector<T>.Count) : MapJob<T>.Threads(length);
                if (threads <= 1)
                {
                    if (rows)
                    {
                        BackwardRows(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, hasInputGradient, 0, features);
                    }
                    else
                    {
                        BackwardPlanes(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, spatial, hasInputGradient, 0, features);
                    }

                    return;
                }

                fixed (T* pxHat = xHat, pinverseStd = inverseStd, pgamma = gamma, pdy = dy, pdgamma = dgamma, pdbeta = dbeta, pdx = dx)
                {
                    MapJob<T> job = MapJob<T>.ForThisThread();
                    job.Kind = rows ? MapKind.BatchNormRowsBackward : MapKind.BatchNormBackward;
                    (job.Batch, job.Features, job.Spatial, job.Units, job.Step, job.Flag) = (batch, features, spatial, features, rows ? Vector<T>.Count : 1, hasInputGradient);
                    job.Set(0, pxHat, xHat.Length);
                    job.Set(1, pinverseStd, inverseStd.Length);
                    job.Set(2, pgamma, gamma.Length);
                    job.Set(3, pdy, dy.Length);
                    job.Set(4, pdgamma, dgamma.Length);
                    job.Set(5, pdbeta, dbeta.Length);
                    job.Set(6, pdx, dx.Length);
                    job.Run(threads);
                }

                return;
            }

            BackwardPerFeature(xHat, inverseStd, gamma, dy, dgamma, dbeta, dx, batch, features, spatial, hasInputGradient);
        }

        /// <summary>
        /// The per-feature loops of <see cref="Backward{T}"/>, one value at a time: the reference that the row path
        /// (spatial 1) matches bit for bit, and the path for maps shorter than a vector.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardPerFeature<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> dy,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int features,
            int spatial,
            bool hasInputGradient)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = 0; f < features; f++)
            {
                // Σdy and Σdy·x̂ (Σdx̂ = γ·Σdy, Σdx̂·x̂ = γ·Σdy·x̂)
                T sumDy = T.Zero;
                T sumDyXHat = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> normalized = xHat.Slice(start, spatial);
                    ReadOnlySpan<T> gradients = dy.Slice(start, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        sumDy += gradients[p];
                        sumDyXHat += gradients[p] * normalized[p];
                    }
                }

                dgamma[f] += sumDyXHat;
                dbeta[f] += sumDy;
                if (!hasInputGradient)
                {
                    continue;
                }

                // dx = (γ · invStd / m) · (m · dy − Σdy − x̂ · Σdy·x̂)
                T scale = gamma[f] * inverseStd[f] / m;
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> normalized = xHat.Slice(start, spatial);
                    ReadOnlySpan<T> gradients = dy.Slice(start, spatial);
                    Span<T> result = dx.Slice(start, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        result[p] = scale * ((m * gradients[p]) - sumDy - (normalized[p] * sumDyXHat));
                    }
                }
            }
        }

        /// <summary>
        /// Tangent (forward-mode derivative) of <see cref="ForwardInference{T}"/>: effectively computes, per feature, with
        /// <c>s = 1/√(runningVariance + ε)</c>,
        /// <c>ẏ = γ · s · ẋ + γ̇ · s · (x − runningMean) + β̇</c>
        /// (the running statistics are constants in inference mode).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="xTangent">The input tangent ẋ <c>[batch × features × spatial]</c>; empty when it is zero.</param>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="gammaTangent">The tangent γ̇ <c>[features]</c>; empty when it is zero.</param>
        /// <param name="betaTangent">The tangent β̇ <c>[features]</c>; empty when it is zero.</param>
        /// <param name="runningMean">The running means <c>[features]</c>.</param>
        /// <param name="runningVariance">The running variances <c>[features]</c>.</param>
        /// <param name="yTangent">The output tangent ẏ <c>[batch × features × spatial]</c>, overwritten; may be the same span
        /// as <paramref name="xTangent"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels) per sample.</param>
        /// <param name="spatial">Values per feature and sample (1 after a dense layer, H·W or L after a convolution).</param>
        /// <param name="epsilon">Added to the variance, &gt; 0.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void TangentInference<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> xTangent,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> gammaTangent,
            ReadOnlySpan<T> betaTangent,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> yTangent,
            int batch,
            int features,
            int spatial,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(x.Length, batch, features, spatial);
            bool hasInput = Check.Optional(xTangent.Length, length, nameof(xTangent), "batch × features × spatial");
            CheckFeatures(gamma.Length, features, nameof(gamma));
            bool hasGamma = Check.Optional(gammaTangent.Length, features, nameof(gammaTangent), "features");
            bool hasBeta = Check.Optional(betaTangent.Length, features, nameof(betaTangent), "features");
            CheckFeatures(runningMean.Length, features, nameof(runningMean));
            CheckFeatures(runningVariance.Length, features, nameof(runningVariance));
            Check.Length(yTangent.Length, length, nameof(yTangent), "batch × features × spatial");

            for (int f = 0; f < features; f++)
            {
                T mean = runningMean[f];
                T invStd = T.One / T.Sqrt(runningVariance[f] + epsilon);
                T scale = hasInput ? gamma[f] * invStd : T.Zero;
                T scaleTangent = hasGamma ? gammaTangent[f] * invStd : T.Zero;
                T shift = hasBeta ? betaTangent[f] : T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> values = x.Slice(start, spatial);
                    Span<T> outputs = yTangent.Slice(start, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        T input = hasInput ? xTangent[start + p] : T.Zero;
                        outputs[p] = (scale * input) + (scaleTangent * (values[p] - mean)) + shift;
                    }
                }
            }
        }

        /// <summary>
        /// Tangent (forward-mode derivative) of <see cref="ForwardTraining{T}"/>'s output, with the batch statistics: per
        /// feature, over its m = batch · spatial values, with <c>x̂</c> and <c>inverseStd = 1/√(σ² + ε)</c> as the forward
        /// pass stored them, effectively computes
        /// <c>ẋ̂ = inverseStd · (ẋ − mean(ẋ) − x̂ · mean(ẋ ⊙ x̂))</c> and <c>ẏ = γ̇ · x̂ + γ · ẋ̂ + β̇</c>
        /// (the exact directional derivative of the training-mode layer, μ and σ² moving with x). The running statistics
        /// are not involved.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="xHat">The normalized inputs of the forward pass <c>[batch × features × spatial]</c>.</param>
        /// <param name="inverseStd">The values <c>1/√(σ² + ε)</c> of the forward pass <c>[features]</c>.</param>
        /// <param name="xTangent">The input tangent ẋ <c>[batch × features × spatial]</c>; empty when it is zero.</param>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="gammaTangent">The tangent γ̇ <c>[features]</c>; empty when it is zero.</param>
        /// <param name="betaTangent">The tangent β̇ <c>[features]</c>; empty when it is zero.</param>
        /// <param name="yTangent">The output tangent ẏ <c>[batch × features × spatial]</c>, overwritten; may be the same span
        /// as <paramref name="xTangent"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels) per sample.</param>
        /// <param name="spatial">Values per feature and sample.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void TangentTraining<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> xTangent,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> gammaTangent,
            ReadOnlySpan<T> betaTangent,
            Span<T> yTangent,
            int batch,
            int features,
            int spatial)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(xHat.Length, batch, features, spatial, nameof(xHat));
            CheckFeatures(inverseStd.Length, features, nameof(inverseStd));
            bool hasInput = Check.Optional(xTangent.Length, length, nameof(xTangent), "batch × features × spatial");
            CheckFeatures(gamma.Length, features, nameof(gamma));
            bool hasGamma = Check.Optional(gammaTangent.Length, features, nameof(gammaTangent), "features");
            bool hasBeta = Check.Optional(betaTangent.Length, features, nameof(betaTangent), "features");
            Check.Length(yTangent.Length, length, nameof(yTangent), "batch × features × spatial");

            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = 0; f < features; f++)
            {
                // mean(ẋ) and mean(ẋ ⊙ x̂), read before ẏ is written (ẏ may be ẋ itself)
                T meanTangent = T.Zero;
                T meanProduct = T.Zero;
                if (hasInput)
                {
                    for (int s = 0; s < batch; s++)
                    {
                        int start = ((s * features) + f) * spatial;
                        ReadOnlySpan<T> normalized = xHat.Slice(start, spatial);
                        ReadOnlySpan<T> tangents = xTangent.Slice(start, spatial);
                        for (int p = 0; p < spatial; p++)
                        {
                            meanTangent += tangents[p];
                            meanProduct += tangents[p] * normalized[p];
                        }
                    }

                    meanTangent /= m;
                    meanProduct /= m;
                }

                // ẏ = γ̇ x̂ + γ · invStd · (ẋ − mean(ẋ) − x̂ · mean(ẋ ⊙ x̂)) + β̇
                T scale = gamma[f] * inverseStd[f];
                T g = hasGamma ? gammaTangent[f] : T.Zero;
                T shift = hasBeta ? betaTangent[f] : T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    ReadOnlySpan<T> normalized = xHat.Slice(start, spatial);
                    Span<T> outputs = yTangent.Slice(start, spatial);
                    for (int p = 0; p < spatial; p++)
                    {
                        T n = normalized[p];
                        T normalizedTangent = hasInput ? scale * (xTangent[start + p] - meanTangent - (n * meanProduct)) : T.Zero;
                        outputs[p] = (g * n) + normalizedTangent + shift;
                    }
                }
            }
        }

        // After a dense layer (spatial = 1) a feature's values are a column of the [batch × features] matrix. The
        // methods below go through the batch row by row instead, with vectors across the features: every feature still
        // sums its values in the same order with the same operations (no fused multiply-add), so they give the very same
        // results as the per-feature loops above, which stay as the reference and serve convolutions (spatial > 1).

        /// <summary>Features <c>[f0, f1)</c> of <see cref="ForwardTraining{T}"/> after a dense layer; any range gives the bits of the whole.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardTrainingRows<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            int batch,
            int features,
            T momentum,
            T epsilon,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = f1 - f0;
            T[]? rented = null;
            Span<T> mean = width <= StackLimit ? stackalloc T[width] : (rented = ArrayPool<T>.Shared.Rent(width)).AsSpan(0, width);
            Span<T> variance = inverseStd.Slice(f0, width); // holds σ² until it is replaced by 1/√(σ² + ε)
            T m = T.CreateTruncating(batch);

            // μ = Σx / m
            mean.Clear();
            for (int s = 0; s < batch; s++)
            {
                Rows.Add(mean, x.Slice((s * features) + f0, width));
            }

            Rows.Divide(mean, m);

            // σ² = Σ(x − μ)² / m
            variance.Clear();
            for (int s = 0; s < batch; s++)
            {
                Rows.AddSquaredDifference(variance, x.Slice((s * features) + f0, width), mean);
            }

            Rows.Divide(variance, m);
            T keep = T.One - momentum;
            for (int f = 0; f < width; f++)
            {
                runningMean[f0 + f] = (momentum * runningMean[f0 + f]) + (keep * mean[f]);
                runningVariance[f0 + f] = (momentum * runningVariance[f0 + f]) + (keep * variance[f]);
                variance[f] = T.One / T.Sqrt(variance[f] + epsilon);
            }

            // x̂ = (x − μ) · invStd;  y = γ x̂ + β
            ReadOnlySpan<T> inverse = variance, scales = gamma.Slice(f0, width), shifts = beta.Slice(f0, width);
            for (int s = 0; s < batch; s++)
            {
                int start = (s * features) + f0;
                Rows.Normalize(x.Slice(start, width), mean, inverse, scales, shifts, xHat.Slice(start, width), y.Slice(start, width));
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardInferenceRows<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            ReadOnlySpan<T> runningMean,
            ReadOnlySpan<T> runningVariance,
            Span<T> y,
            int batch,
            int features,
            T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[]? rented = null;
            Span<T> scale = features <= StackLimit ? stackalloc T[features] : (rented = ArrayPool<T>.Shared.Rent(features)).AsSpan(0, features);
            for (int f = 0; f < features; f++)
            {
                scale[f] = gamma[f] / T.Sqrt(runningVariance[f] + epsilon);
            }

            for (int s = 0; s < batch; s++)
            {
                int start = s * features;
                Rows.ScaleShift(x.Slice(start, features), runningMean, scale, beta, y.Slice(start, features));
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        /// <summary>Features <c>[f0, f1)</c> of <see cref="Backward{T}"/> after a dense layer; any range gives the bits of the whole.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardRows<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> dy,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int features,
            bool hasInputGradient,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int width = f1 - f0;
            T[]? rented = null;
            int length = 3 * width;
            Span<T> scratch = length <= StackLimit ? stackalloc T[length] : (rented = ArrayPool<T>.Shared.Rent(length)).AsSpan(0, length);
            Span<T> sumDy = scratch.Slice(0, width);
            Span<T> sumDyXHat = scratch.Slice(width, width);
            Span<T> scale = scratch.Slice(2 * width, width);
            sumDy.Clear();
            sumDyXHat.Clear();
            for (int s = 0; s < batch; s++)
            {
                int start = (s * features) + f0;
                Rows.AddWithProduct(sumDy, sumDyXHat, dy.Slice(start, width), xHat.Slice(start, width));
            }

            T m = T.CreateTruncating(batch);
            for (int f = 0; f < width; f++)
            {
                dgamma[f0 + f] += sumDyXHat[f];
                dbeta[f0 + f] += sumDy[f];
                scale[f] = gamma[f0 + f] * inverseStd[f0 + f] / m;
            }

            if (hasInputGradient)
            {
                // dx = (γ · invStd / m) · (m · dy − Σdy − x̂ · Σdy·x̂)
                for (int s = 0; s < batch; s++)
                {
                    int start = (s * features) + f0;
                    Rows.InputGradient(dy.Slice(start, width), xHat.Slice(start, width), sumDy, sumDyXHat, scale, m, dx.Slice(start, width));
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        // After a convolution (spatial > 1) each feature's values are batch maps of `spatial` contiguous values. The
        // methods below go through each map by vectors, with several partial sums: sums then round in a different order
        // than the one-at-a-time loops (the results agree to rounding, not bit for bit; float statistics are summed in
        // double here).

        /// <summary>
        /// Features <c>[f0, f1)</c> of <see cref="ForwardTraining{T}"/> over maps of at least a vector. Both passes go
        /// through x in memory order (sample by sample, its maps of these features one after the other: long streams the
        /// prefetcher follows, where a feature's maps alone are a page apart), each feature's sums taken over the
        /// samples in order, so a range of features gives the same bits as the whole. For float the statistics are one
        /// pass of shifted sums in double (<see cref="Planes.ShiftedSums"/>); for double two passes, the mean then the
        /// centred squares, as before.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardTrainingPlanes<T>(
            ReadOnlySpan<T> x,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> beta,
            Span<T> runningMean,
            Span<T> runningVariance,
            Span<T> xHat,
            Span<T> inverseStd,
            Span<T> y,
            int batch,
            int features,
            int spatial,
            T momentum,
            T epsilon,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int count = f1 - f0;
            if (count <= 0)
            {
                return;
            }

            T[]? rented = null;
            Span<T> statistics = 2 * count <= StackLimit ? stackalloc T[2 * count] : (rented = ArrayPool<T>.Shared.Rent(2 * count)).AsSpan(0, 2 * count);
            Span<T> means = statistics.Slice(0, count), variances = statistics.Slice(count, count);
            MapStatistics(x, batch, features, spatial, f0, f1, means, variances);
            UpdateStatistics(runningMean, runningVariance, inverseStd, f0, f1, means, variances, momentum, epsilon);

            // x̂ = (x − μ) · invStd;  y = γ x̂ + β
            for (int s = 0; s < batch; s++)
            {
                for (int f = f0; f < f1; f++)
                {
                    int start = ((s * features) + f) * spatial;
                    Planes.Normalize(x.Slice(start, spatial), means[f - f0], inverseStd[f], gamma[f], beta[f], xHat.Slice(start, spatial), y.Slice(start, spatial));
                }
            }

            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        /// <summary>
        /// <c>inverseStd = 1/√(σ² + ε)</c> and <c>running = momentum · running + (1 − momentum) · batch value</c> for features
        /// <c>[f0, f1)</c>, from their batch means and variances.
        /// </summary>
        private static void UpdateStatistics<T>(Span<T> runningMean, Span<T> runningVariance, Span<T> inverseStd, int f0, int f1, ReadOnlySpan<T> means, ReadOnlySpan<T> variances, T momentum, T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T keep = T.One - momentum;
            for (int f = f0; f < f1; f++)
            {
                T mean = means[f - f0], variance = variances[f - f0];
                inverseStd[f] = T.One / T.Sqrt(variance + epsilon);
                runningMean[f] = (momentum * runningMean[f]) + (keep * mean);
                runningVariance[f] = (momentum * runningVariance[f]) + (keep * variance);
            }
        }

        /// <summary>
        /// The shift K of feature <paramref name="f"/>'s shifted sums: its first value (sample 0's map), or 0 if that is not
        /// finite, so that ∞ and NaN still give NaN statistics.
        /// </summary>
        private static T MapShift<T>(ReadOnlySpan<T> x, int f, int spatial)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double k = double.CreateTruncating(x[f * spatial]);
            return T.CreateTruncating(double.IsFinite(k) ? k : 0);
        }

        /// <summary>μ = K + Σ(x − K)/m and σ² = Σ(x − K)²/m − (Σ(x − K)/m)² (at least 0), from the shifted sums of m values.</summary>
        private static (T Mean, T Variance) FromShiftedSums<T>(double first, double second, double m, T shift)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double d = first / m;
            return (T.CreateTruncating(double.CreateTruncating(shift) + d), T.CreateTruncating(Math.Max((second / m) - (d * d), 0)));
        }

        /// <summary>
        /// The batch means and biased variances of features <c>[f0, f1)</c> over their maps, into
        /// <paramref name="means"/> and <paramref name="variances"/> (one per feature of the range), going through x in
        /// memory order. For float one pass of shifted sums in double; for double two passes, the mean then the
        /// centred squares.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MapStatistics<T>(ReadOnlySpan<T> x, int batch, int features, int spatial, int f0, int f1, Span<T> means, Span<T> variances)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int count = f1 - f0;
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            if (typeof(T) == typeof(float))
            {
                double[]? rented = null;
                Span<double> sums = 2 * count <= StackLimit ? stackalloc double[2 * count] : (rented = ArrayPool<double>.Shared.Rent(2 * count)).AsSpan(0, 2 * count);
                sums.Clear();
                Span<double> first = sums.Slice(0, count), second = sums.Slice(count, count);

                // One pass, shifted by each feature's first value K (0 if it is not finite, so ∞ and NaN still give
                // NaN statistics): Σ(x − K) and Σ(x − K)² in double, then μ = K + Σ(x − K)/m and
                // σ² = Σ(x − K)²/m − (Σ(x − K)/m)². With K one of the values, (μ − K)² is a few σ², so the subtraction
                // loses a few bits of double's 53: far less rounding than the float sums of the two-pass loops.
                for (int f = f0; f < f1; f++)
                {
                    means[f - f0] = MapShift(x, f, spatial);
                }

                for (int s = 0; s < batch; s++)
                {
                    for (int f = f0; f < f1; f++)
                    {
                        (double s1, double s2) = Planes.ShiftedSums(x.Slice(((s * features) + f) * spatial, spatial), means[f - f0]);
                        first[f - f0] += s1;
                        second[f - f0] += s2;
                    }
                }

                double md = double.CreateTruncating(m);
                for (int i = 0; i < count; i++)
                {
                    (means[i], variances[i]) = FromShiftedSums(first[i], second[i], md, means[i]);
                }

                if (rented is not null)
                {
                    ArrayPool<double>.Shared.Return(rented);
                }

                return;
            }

            // μ = Σx / m, then σ² = Σ(x − μ)² / m from the centred values (two passes: no cancellation); the same
            // operations per feature as before, so the same bits.
            means.Clear();
            variances.Clear();
            for (int s = 0; s < batch; s++)
            {
                for (int f = f0; f < f1; f++)
                {
                    means[f - f0] += Planes.Sum(x.Slice(((s * features) + f) * spatial, spatial));
                }
            }

            for (int i = 0; i < count; i++)
            {
                means[i] /= m;
            }

            for (int s = 0; s < batch; s++)
            {
                for (int f = f0; f < f1; f++)
                {
                    variances[f - f0] += Planes.SumOfSquaredDifferences(x.Slice(((s * features) + f) * spatial, spatial), means[f - f0]);
                }
            }

            for (int i = 0; i < count; i++)
            {
                variances[i] /= m;
            }
        }

        /// <summary>Features <c>[f0, f1)</c> of <see cref="Backward{T}"/> over maps of at least a vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void BackwardPlanes<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> dy,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int features,
            int spatial,
            bool hasInputGradient,
            int f0,
            int f1)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T m = T.CreateTruncating(Check.Product(batch, spatial, "batch × spatial"));
            for (int f = f0; f < f1; f++)
            {
                // Σdy and Σdy·x̂
                T sumDy = T.Zero;
                T sumDyXHat = T.Zero;
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    PrefetchMap(dy, start + (features * spatial), spatial);
                    PrefetchMap(xHat, start + (features * spatial), spatial);
                    (T partialDy, T partialDyXHat) = Planes.SumWithProduct(dy.Slice(start, spatial), xHat.Slice(start, spatial));
                    sumDy += partialDy;
                    sumDyXHat += partialDyXHat;
                }

                FinishChannel(xHat, inverseStd, gamma, dy, f, dgamma, dbeta, dx, batch, features, spatial, hasInputGradient, f, m, sumDy, sumDyXHat);
            }
        }

        /// <summary>
        /// One channel's end of the backward pass over maps, from its sums Σdy and Σdy·x̂: <c>dγ += Σdy·x̂</c>,
        /// <c>dβ += Σdy</c> and, when wanted, <c>dx = (γ · invStd / m) · (m · dy − Σdy − x̂ · Σdy·x̂)</c>. Channel
        /// <paramref name="f"/>'s dy of sample s is the plane of channel <paramref name="dyChannel"/> in
        /// <paramref name="dy"/> (the channel itself, or the planes a fused pass used as its scratch).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void FinishChannel<T>(
            ReadOnlySpan<T> xHat,
            ReadOnlySpan<T> inverseStd,
            ReadOnlySpan<T> gamma,
            ReadOnlySpan<T> dy,
            int dyChannel,
            Span<T> dgamma,
            Span<T> dbeta,
            Span<T> dx,
            int batch,
            int features,
            int spatial,
            bool hasInputGradient,
            int f,
            T m,
            T sumDy,
            T sumDyXHat)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            dgamma[f] += sumDyXHat;
            dbeta[f] += sumDy;
            if (!hasInputGradient)
            {
                return;
            }

            T scale = gamma[f] * inverseStd[f] / m;
            for (int s = 0; s < batch; s++)
            {
                int start = ((s * features) + f) * spatial;
                PrefetchMap(dy, (((s + 1) * features) + dyChannel) * spatial, spatial);
                PrefetchMap(xHat, start + (features * spatial), spatial);
                PrefetchMap<T>(dx, start + (features * spatial), spatial);
                Planes.InputGradient(dy.Slice(((s * features) + dyChannel) * spatial, spatial), xHat.Slice(start, spatial), sumDy, sumDyXHat, scale, m, dx.Slice(start, spatial));
            }
        }

        /// <summary>
        /// Asks for the lines of <c>x[start, start + length)</c>: the next sample's values that a loop over one channel reaches
        /// next. They lie a sample's stride away, so each map starts a stream the hardware prefetcher has not seen yet
        /// (<c>--maps-ab</c>: the Fashion CNN's backward passes over maps took 0.68–0.85× the time). A start past the end
        /// (the last sample) asks for nothing; without SSE (ARM64) nothing either.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void PrefetchMap<T>(ReadOnlySpan<T> x, int start, int length)
            where T : unmanaged
        {
            if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || !GemmTuning.PrefetchMaps || (uint)start >= (uint)x.Length)
            {
                return;
            }

            // A prefetch never faults and the array is not read through the pointer, so it need not be pinned.
            byte* first = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetReference(x), start));
            nint bytes = (nint)Math.Min(length, x.Length - start) * sizeof(T);
            for (nint offset = 0; offset < bytes; offset += 64)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(first + offset);
            }
        }

        /// <summary>Operations on one map of one feature, by vectors; the callers pass maps of at least one vector.</summary>
        private static class Planes
        {
            /// <summary><c>Σ values</c>, in four partial sums.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static T Sum<T>(ReadOnlySpan<T> values)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T v = ref MemoryMarshal.GetReference(values);
                int n = values.Length, width = Vector<T>.Count, i = 0;
                Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, s2 = Vector<T>.Zero, s3 = Vector<T>.Zero;
                for (; i <= n - (4 * width); i += 4 * width)
                {
                    s0 += Vector.LoadUnsafe(ref v, (nuint)i);
                    s1 += Vector.LoadUnsafe(ref v, (nuint)(i + width));
                    s2 += Vector.LoadUnsafe(ref v, (nuint)(i + (2 * width)));
                    s3 += Vector.LoadUnsafe(ref v, (nuint)(i + (3 * width)));
                }

                for (; i <= n - width; i += width)
                {
                    s0 += Vector.LoadUnsafe(ref v, (nuint)i);
                }

                T sum = Vector.Sum((s0 + s1) + (s2 + s3));
                for (; i < n; i++)
                {
                    sum += values[i];
                }

                return sum;
            }

            /// <summary>
            /// <c>(Σ (v − shift), Σ (v − shift)²)</c> of float values, computed in double, in four partial sums each.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static (double First, double Second) ShiftedSums<T>(ReadOnlySpan<T> values, T shift)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ReadOnlySpan<float> v = MemoryMarshal.Cast<T, float>(values);
                ref float start = ref MemoryMarshal.GetReference(v);
                int n = v.Length, width = Vector<float>.Count, i = 0;
                double k = double.CreateTruncating(shift);
                var kv = new Vector<double>(k);
                Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, a2 = Vector<double>.Zero, a3 = Vector<double>.Zero;
                Vector<double> q0 = Vector<double>.Zero, q1 = Vector<double>.Zero, q2 = Vector<double>.Zero, q3 = Vector<double>.Zero;
                for (; i <= n - (2 * width); i += 2 * width)
                {
                    Vector.Widen(Vector.LoadUnsafe(ref start, (nuint)i), out Vector<double> w0, out Vector<double> w1);
                    Vector.Widen(Vector.LoadUnsafe(ref start, (nuint)(i + width)), out Vector<double> w2, out Vector<double> w3);
                    w0 -= kv;
                    w1 -= kv;
                    w2 -= kv;
                    w3 -= kv;
                    a0 += w0;
                    a1 += w1;
                    a2 += w2;
                    a3 += w3;
                    q0 += w0 * w0;
                    q1 += w1 * w1;
                    q2 += w2 * w2;
                    q3 += w3 * w3;
                }

                for (; i <= n - width; i += width)
                {
                    Vector.Widen(Vector.LoadUnsafe(ref start, (nuint)i), out Vector<double> w0, out Vector<double> w1);
                    w0 -= kv;
                    w1 -= kv;
                    a0 += w0;
                    a1 += w1;
                    q0 += w0 * w0;
                    q1 += w1 * w1;
                }

                double sum = Vector.Sum((a0 + a1) + (a2 + a3)), squares = Vector.Sum((q0 + q1) + (q2 + q3));
                for (; i < n; i++)
                {
                    double c = v[i] - k;
                    sum += c;
                    squares += c * c;
                }

                return (sum, squares);
            }

            /// <summary><c>Σ (values − mean)²</c>, in four partial sums.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static T SumOfSquaredDifferences<T>(ReadOnlySpan<T> values, T mean)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T v = ref MemoryMarshal.GetReference(values);
                int n = values.Length, width = Vector<T>.Count, i = 0;
                var mv = new Vector<T>(mean);
                Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, s2 = Vector<T>.Zero, s3 = Vector<T>.Zero;
                for (; i <= n - (4 * width); i += 4 * width)
                {
                    Vector<T> c0 = Vector.LoadUnsafe(ref v, (nuint)i) - mv;
                    Vector<T> c1 = Vector.LoadUnsafe(ref v, (nuint)(i + width)) - mv;
                    Vector<T> c2 = Vector.LoadUnsafe(ref v, (nuint)(i + (2 * width))) - mv;
                    Vector<T> c3 = Vector.LoadUnsafe(ref v, (nuint)(i + (3 * width))) - mv;
                    s0 += c0 * c0;
                    s1 += c1 * c1;
                    s2 += c2 * c2;
                    s3 += c3 * c3;
                }

                for (; i <= n - width; i += width)
                {
                    Vector<T> c = Vector.LoadUnsafe(ref v, (nuint)i) - mv;
                    s0 += c * c;
                }

                T sum = Vector.Sum((s0 + s1) + (s2 + s3));
                for (; i < n; i++)
                {
                    T c = values[i] - mean;
                    sum += c * c;
                }

                return sum;
            }

            /// <summary><c>(Σ dy, Σ dy · xHat)</c>, in two partial sums each.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static (T SumDy, T SumDyXHat) SumWithProduct<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> xHat)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T g = ref MemoryMarshal.GetReference(dy);
                ref T h = ref MemoryMarshal.GetReference(xHat);
                int n = dy.Length, width = Vector<T>.Count, i = 0;
                Vector<T> d0 = Vector<T>.Zero, d1 = Vector<T>.Zero, p0 = Vector<T>.Zero, p1 = Vector<T>.Zero;
                for (; i <= n - (2 * width); i += 2 * width)
                {
                    Vector<T> g0 = Vector.LoadUnsafe(ref g, (nuint)i), g1 = Vector.LoadUnsafe(ref g, (nuint)(i + width));
                    d0 += g0;
                    d1 += g1;
                    p0 += g0 * Vector.LoadUnsafe(ref h, (nuint)i);
                    p1 += g1 * Vector.LoadUnsafe(ref h, (nuint)(i + width));
                }

                for (; i <= n - width; i += width)
                {
                    Vector<T> g0 = Vector.LoadUnsafe(ref g, (nuint)i);
                    d0 += g0;
                    p0 += g0 * Vector.LoadUnsafe(ref h, (nuint)i);
                }

                T sumDy = Vector.Sum(d0 + d1), sumDyXHat = Vector.Sum(p0 + p1);
                for (; i < n; i++)
                {
                    sumDy += dy[i];
                    sumDyXHat += dy[i] * xHat[i];
                }

                return (sumDy, sumDyXHat);
            }

            /// <summary><c>xHat = (x − mean) · inverseStd</c>, <c>y = γ · xHat + β</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void Normalize<T>(ReadOnlySpan<T> x, T mean, T inverseStd, T gamma, T beta, Span<T> xHat, Span<T> y)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T hs = ref MemoryMarshal.GetReference(xHat);
                ref T ys = ref MemoryMarshal.GetReference(y);
                Vector<T> mv = new(mean), iv = new(inverseStd), gv = new(gamma), bv = new(beta);
                int n = x.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    Vector<T> normalized = (Vector.LoadUnsafe(ref xs, (nuint)i) - mv) * iv;
                    normalized.StoreUnsafe(ref hs, (nuint)i);
                    ((gv * normalized) + bv).StoreUnsafe(ref ys, (nuint)i);
                }

                for (; i < n; i++)
                {
                    T normalized = (x[i] - mean) * inverseStd;
                    xHat[i] = normalized;
                    y[i] = (gamma * normalized) + beta;
                }
            }

            /// <summary><c>y = γ · ((x − mean) · inverseStd) + β</c>: <see cref="Normalize{T}"/>'s y, by the same operations, without storing x̂.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void NormalizeOutput<T>(ReadOnlySpan<T> x, T mean, T inverseStd, T gamma, T beta, Span<T> y)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T ys = ref MemoryMarshal.GetReference(y);
                Vector<T> mv = new(mean), iv = new(inverseStd), gv = new(gamma), bv = new(beta);
                int n = x.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    Vector<T> normalized = (Vector.LoadUnsafe(ref xs, (nuint)i) - mv) * iv;
                    ((gv * normalized) + bv).StoreUnsafe(ref ys, (nuint)i);
                }

                for (; i < n; i++)
                {
                    T normalized = (x[i] - mean) * inverseStd;
                    y[i] = (gamma * normalized) + beta;
                }
            }

            /// <summary><c>xHat = (x − mean) · inverseStd</c>: <see cref="Normalize{T}"/>'s x̂, by the same operations, so the same bits.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void Center<T>(ReadOnlySpan<T> x, T mean, T inverseStd, Span<T> xHat)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T hs = ref MemoryMarshal.GetReference(xHat);
                Vector<T> mv = new(mean), iv = new(inverseStd);
                int n = x.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    ((Vector.LoadUnsafe(ref xs, (nuint)i) - mv) * iv).StoreUnsafe(ref hs, (nuint)i);
                }

                for (; i < n; i++)
                {
                    xHat[i] = (x[i] - mean) * inverseStd;
                }
            }

            /// <summary><c>y = scale · (x − mean) + β</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void ScaleShift<T>(ReadOnlySpan<T> x, T mean, T scale, T beta, Span<T> y)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T ys = ref MemoryMarshal.GetReference(y);
                Vector<T> mv = new(mean), sv = new(scale), bv = new(beta);
                int n = x.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    ((sv * (Vector.LoadUnsafe(ref xs, (nuint)i) - mv)) + bv).StoreUnsafe(ref ys, (nuint)i);
                }

                for (; i < n; i++)
                {
                    y[i] = (scale * (x[i] - mean)) + beta;
                }
            }

            /// <summary><c>dx = scale · (m · dy − Σdy − xHat · Σdy·xHat)</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> xHat, T sumDy, T sumDyXHat, T scale, T m, Span<T> dx)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T g = ref MemoryMarshal.GetReference(dy);
                ref T h = ref MemoryMarshal.GetReference(xHat);
                ref T d = ref MemoryMarshal.GetReference(dx);
                Vector<T> mv = new(m), sdy = new(sumDy), sdyh = new(sumDyXHat), sv = new(scale);
                int n = dy.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    (sv * ((mv * Vector.LoadUnsafe(ref g, (nuint)i)) - sdy - (Vector.LoadUnsafe(ref h, (nuint)i) * sdyh))).StoreUnsafe(ref d, (nuint)i);
                }

                for (; i < n; i++)
                {
                    dx[i] = scale * ((m * dy[i]) - sumDy - (xHat[i] * sumDyXHat));
                }
            }

            /// <summary>
            /// <see cref="InputGradient{T}"/> with x̂ recomputed from the inputs as <c>(x − mean) · inverseStd</c>, by
            /// <see cref="Normalize{T}"/>'s operations: the same bits as from the stored x̂.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void InputGradientFromInputs<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T mean, T inverseStd, T sumDy, T sumDyXHat, T scale, T m, Span<T> dx)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                ref T g = ref MemoryMarshal.GetReference(dy);
                ref T xs = ref MemoryMarshal.GetReference(x);
                ref T d = ref MemoryMarshal.GetReference(dx);
                Vector<T> mv = new(m), sdy = new(sumDy), sdyh = new(sumDyXHat), sv = new(scale), meanv = new(mean), iv = new(inverseStd);
                int n = dy.Length, width = Vector<T>.Count, i = 0;
                for (; i <= n - width; i += width)
                {
                    Vector<T> h = (Vector.LoadUnsafe(ref xs, (nuint)i) - meanv) * iv;
                    (sv * ((mv * Vector.LoadUnsafe(ref g, (nuint)i)) - sdy - (h * sdyh))).StoreUnsafe(ref d, (nuint)i);
                }

                for (; i < n; i++)
                {
                    T h = (x[i] - mean) * inverseStd;
                    dx[i] = scale * ((m * dy[i]) - sumDy - (h * sumDyXHat));
                }
            }
        }

        /// <summary>Values per scratch buffer kept on the stack; larger ones are rented from the shared pool.</summary>
        private const int StackLimit = 1024;

        /// <summary>
        /// Row operations with vectors across the features; the scalar tail repeats the same arithmetic. The callers
        /// pass spans of one length (a row, or the per-feature buffers), so the vector loops read and write within them.
        /// </summary>
        private static class Rows
        {
            /// <summary><c>sum[f] += row[f]</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void Add<T>(Span<T> sum, ReadOnlySpan<T> row)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                int f = 0;
                for (; f <= sum.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Store(Load(sum, f) + Load(row, f), sum, f);
                }

                for (; f < sum.Length; f++)
                {
                    sum[f] += row[f];
                }
            }

            /// <summary><c>values[f] /= divisor</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void Divide<T>(Span<T> values, T divisor)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                var d = new Vector<T>(divisor);
                int f = 0;
                for (; f <= values.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Store(Load(values, f) / d, values, f);
                }

                for (; f < values.Length; f++)
                {
                    values[f] /= divisor;
                }
            }

            /// <summary><c>sum[f] += (row[f] − mean[f])²</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void AddSquaredDifference<T>(Span<T> sum, ReadOnlySpan<T> row, ReadOnlySpan<T> mean)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                int f = 0;
                for (; f <= sum.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Vector<T> centred = Load(row, f) - Load(mean, f);
                    Store(Load(sum, f) + (centred * centred), sum, f);
                }

                for (; f < sum.Length; f++)
                {
                    T centred = row[f] - mean[f];
                    sum[f] += centred * centred;
                }
            }

            /// <summary><c>xHat[f] = (x[f] − mean[f]) · inverseStd[f]</c>, <c>y[f] = γ[f] · xHat[f] + β[f]</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void Normalize<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> mean, ReadOnlySpan<T> inverseStd, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> xHat, Span<T> y)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                int f = 0;
                for (; f <= x.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Vector<T> n = (Load(x, f) - Load(mean, f)) * Load(inverseStd, f);
                    Store(n, xHat, f);
                    Store((Load(gamma, f) * n) + Load(beta, f), y, f);
                }

                for (; f < x.Length; f++)
                {
                    T n = (x[f] - mean[f]) * inverseStd[f];
                    xHat[f] = n;
                    y[f] = (gamma[f] * n) + beta[f];
                }
            }

            /// <summary><c>y[f] = scale[f] · (x[f] − mean[f]) + β[f]</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void ScaleShift<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> mean, ReadOnlySpan<T> scale, ReadOnlySpan<T> beta, Span<T> y)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                int f = 0;
                for (; f <= x.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Store((Load(scale, f) * (Load(x, f) - Load(mean, f))) + Load(beta, f), y, f);
                }

                for (; f < x.Length; f++)
                {
                    y[f] = (scale[f] * (x[f] - mean[f])) + beta[f];
                }
            }

            /// <summary><c>sumDy[f] += dy[f]</c>, <c>sumDyXHat[f] += dy[f] · xHat[f]</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void AddWithProduct<T>(Span<T> sumDy, Span<T> sumDyXHat, ReadOnlySpan<T> dy, ReadOnlySpan<T> xHat)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                int f = 0;
                for (; f <= dy.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    var g = Load(dy, f);
                    Store(Load(sumDy, f) + g, sumDy, f);
                    Store(Load(sumDyXHat, f) + (g * Load(xHat, f)), sumDyXHat, f);
                }

                for (; f < dy.Length; f++)
                {
                    sumDy[f] += dy[f];
                    sumDyXHat[f] += dy[f] * xHat[f];
                }
            }

            /// <summary><c>dx[f] = scale[f] · (m · dy[f] − sumDy[f] − xHat[f] · sumDyXHat[f])</c>.</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> xHat, ReadOnlySpan<T> sumDy, ReadOnlySpan<T> sumDyXHat, ReadOnlySpan<T> scale, T m, Span<T> dx)
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                var mv = new Vector<T>(m);
                int f = 0;
                for (; f <= dy.Length - Vector<T>.Count; f += Vector<T>.Count)
                {
                    Vector<T> inner = (mv * Load(dy, f)) - Load(sumDy, f) - (Load(xHat, f) * Load(sumDyXHat, f));
                    Store(Load(scale, f) * inner, dx, f);
                }

                for (; f < dy.Length; f++)
                {
                    dx[f] = scale[f] * ((m * dy[f]) - sumDy[f] - (xHat[f] * sumDyXHat[f]));
                }
            }
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static Vector<T> Load<T>(ReadOnlySpan<T> values, int f)
                where T : unmanaged, IFloatingPointIeee754<T> =>
                Vector.LoadUnsafe(ref MemoryMarshal.GetReference(values), (nuint)f);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static void Store<T>(Vector<T> value, Span<T> values, int f)
                where T : unmanaged, IFloatingPointIeee754<T> =>
                value.StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)f);
        }

        /// <summary>
        /// Backward pass in inference mode, for the gradient with respect to the inputs only: with the running statistics
        /// fixed, <c>y = γ·(x − μ)/√(σ² + ε) + β</c> is affine in x, so this effectively computes
        /// <c>dx[s,f,p] = dy[s,f,p] · γ[f] / √(σ²[f] + ε)</c> (overwrites). No parameter gradient.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="gamma">The scales γ <c>[features]</c>.</param>
        /// <param name="runningVariance">The running variances σ² <c>[features]</c>.</param>
        /// <param name="dy">The gradient with respect to the outputs <c>[batch × features × spatial]</c>.</param>
        /// <param name="dx">The gradient with respect to the inputs <c>[batch × features × spatial]</c>, overwritten; may be <paramref name="dy"/> itself.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features (channels).</param>
        /// <param name="spatial">Values per feature and sample (1 after a dense layer).</param>
        /// <param name="epsilon">ε, as in the forward pass.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void BackwardInference<T>(ReadOnlySpan<T> gamma, ReadOnlySpan<T> runningVariance, ReadOnlySpan<T> dy, Span<T> dx, int batch, int features, int spatial, T epsilon)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int length = CheckInput(dy.Length, batch, features, spatial, nameof(dy));
            CheckFeatures(gamma.Length, features, nameof(gamma));
            CheckFeatures(runningVariance.Length, features, nameof(runningVariance));
            Check.Length(dx.Length, length, nameof(dx), "batch × features × spatial");
            for (int f = 0; f < features; f++)
            {
                T scale = gamma[f] / T.Sqrt(runningVariance[f] + epsilon);
                for (int s = 0; s < batch; s++)
                {
                    int start = ((s * features) + f) * spatial;
                    for (int p = start; p < start + spatial; p++)
                    {
                        dx[p] = dy[p] * scale;
                    }
                }
            }
        }

        private static int CheckInput(int length, int batch, int features, int spatial, string parameterName = "x")
        {
            Check.NonNegative(batch, nameof(batch));
            Check.NonNegative(features, nameof(features));
            Check.NonNegative(spatial, nameof(spatial));
            int expected = Check.Product(batch, features, spatial, "batch × features × spatial");
            Check.Length(length, expected, parameterName, "batch × features × spatial");
            return expected;
        }

        private static void CheckFeatures(int length, int features, string parameterName) =>
            Check.Length(length, features, parameterName, "features");
    }
}
