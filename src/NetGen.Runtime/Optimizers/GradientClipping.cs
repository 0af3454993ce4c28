using System;
using System.Globalization;
using System.Numerics;

namespace NetGen.Optimizers
{
    /// <summary>Gradient clipping, applied to the gradient buffer in place before the optimizer step.</summary>
    public static class GradientClipping
    {
        /// <summary>The Euclidean norm <c>‖g‖ = √(Σ gᵢ²)</c>, accumulated in <see cref="double"/>.</summary>
        public static double GlobalNorm<T>(ReadOnlySpan<T> gradients)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            double sum = 0;
            foreach (T g in gradients)
            {
                double d = double.CreateTruncating(g);
                sum += d * d;
            }

            return Math.Sqrt(sum);
        }

        /// <summary>
        /// Rescales the whole gradient when its norm exceeds <paramref name="threshold"/>:
        /// <c>g ← threshold·g/‖g‖</c> when <c>‖g‖ &gt; threshold</c>, unchanged otherwise. The direction is kept.
        /// </summary>
        /// <returns>The norm before clipping (NaN or ∞ when the gradient holds one; then nothing is changed).</returns>
        public static double ClipByGlobalNorm<T>(Span<T> gradients, double threshold)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!(threshold > 0) || double.IsInfinity(threshold))
            {
                throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The clipping threshold must be finite and > 0.");
            }

            double norm = GlobalNorm<T>(gradients);
            ScaleToThreshold(gradients, norm, threshold);
            return norm;
        }

        /// <summary>
        /// The scaling step of <see cref="ClipByGlobalNorm{T}(Span{T}, double)"/> for a caller that has just measured
        /// <paramref name="norm"/> = ‖g‖₂: <c>g ← threshold·g/norm</c> when <c>norm &gt; threshold</c>.
        /// </summary>
        internal static void ScaleToThreshold<T>(Span<T> gradients, double norm, double threshold)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (norm > threshold && double.IsFinite(norm))
            {
                T scale = T.CreateChecked(threshold / norm);
                for (int i = 0; i < gradients.Length; i++)
                {
                    gradients[i] *= scale;
                }
            }
        }

        /// <summary>Clamps every value to <c>[−limit, limit]</c>: <c>gᵢ ← min(max(gᵢ, −limit), limit)</c>. NaN stays NaN.</summary>
        /// <returns>How many values were changed.</returns>
        public static int ClipByValue<T>(Span<T> gradients, double limit)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!(limit > 0) || double.IsInfinity(limit))
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, string.Create(CultureInfo.InvariantCulture, $"The clipping limit must be finite and > 0 but is {limit}."));
            }

            T high = T.CreateChecked(limit);
            T low = -high;
            int changed = 0;
            for (int i = 0; i < gradients.Length; i++)
            {
                T g = gradients[i];
                if (g > high)
                {
                    gradients[i] = high;
                    changed++;
                }
                else if (g < low)
                {
                    gradients[i] = low;
                    changed++;
                }
            }

            return changed;
        }
    }
}
