using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// L1 and L2 weight penalties: <c>J = L1 · Σ|w| + (L2/2) · Σw²</c>, applied to weight matrices only (not to biases,
    /// BatchNorm or PReLU). The penalty is accumulated in <see cref="double"/>.
    /// </summary>
    public static class Regularization
    {
        /// <summary>
        /// Adds the penalty's gradient and returns its value: effectively computes
        /// <c>dw[i] += L1 · sign(w[i]) + L2 · w[i]</c> (with sign(0) = 0) and returns <c>L1 · Σ|w| + (L2/2) · Σw²</c>.
        /// When both coefficients are 0 nothing is touched and 0 is returned.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The weights.</param>
        /// <param name="dw">Their gradient, same length, accumulated into.</param>
        /// <param name="l1">The L1 coefficient.</param>
        /// <param name="l2">The L2 coefficient.</param>
        /// <returns>The penalty.</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static T Apply<T>(ReadOnlySpan<T> w, Span<T> dw, T l1, T l2)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Check.Length(dw.Length, w.Length, nameof(dw), "w.Length");
            if (T.IsZero(l1) && T.IsZero(l2))
            {
                return T.Zero;
            }

            double sumAbs = 0;
            double sumSquares = 0;
            for (int i = 0; i < w.Length; i++)
            {
                T value = w[i];
                double v = double.CreateTruncating(value);
                sumAbs += Math.Abs(v);
                sumSquares += v * v;
                T sign = value > T.Zero ? T.One : value < T.Zero ? T.NegativeOne : T.Zero;
                dw[i] += (l1 * sign) + (l2 * value);
            }

            return Combine(sumAbs, sumSquares, l1, l2);
        }

        /// <summary>The penalty only: effectively computes <c>L1 · Σ|w| + (L2/2) · Σw²</c>.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The weights.</param>
        /// <param name="l1">The L1 coefficient.</param>
        /// <param name="l2">The L2 coefficient.</param>
        /// <returns>The penalty.</returns>
        public static T Penalty<T>(ReadOnlySpan<T> w, T l1, T l2)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (T.IsZero(l1) && T.IsZero(l2))
            {
                return T.Zero;
            }

            double sumAbs = 0;
            double sumSquares = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double v = double.CreateTruncating(w[i]);
                sumAbs += Math.Abs(v);
                sumSquares += v * v;
            }

            return Combine(sumAbs, sumSquares, l1, l2);
        }

        /// <summary>
        /// The penalty's directional derivative along <paramref name="wTangent"/>: effectively computes
        /// <c>L1 · Σ sign(w[i]) · ẇ[i] + L2 · Σ w[i] · ẇ[i]</c> (sign(0) = 0, the subgradient <see cref="Apply{T}"/> uses), so
        /// that it equals <c>⟨dw, ẇ⟩</c> for the gradient <see cref="Apply{T}"/> adds. Accumulated in <see cref="double"/>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The weights.</param>
        /// <param name="wTangent">The direction ẇ, same length; empty when it is zero (the result is then 0).</param>
        /// <param name="l1">The L1 coefficient.</param>
        /// <param name="l2">The L2 coefficient.</param>
        /// <returns>The directional derivative of the penalty.</returns>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        public static T Tangent<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> wTangent, T l1, T l2)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!Check.Optional(wTangent.Length, w.Length, nameof(wTangent), "w.Length") || (T.IsZero(l1) && T.IsZero(l2)))
            {
                return T.Zero;
            }

            double sumSign = 0;
            double sumProduct = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double v = double.CreateTruncating(w[i]);
                double t = double.CreateTruncating(wTangent[i]);
                sumSign += v > 0 ? t : v < 0 ? -t : 0; // sign(w) · ẇ; Math.Sign would throw on a NaN
                sumProduct += v * t;
            }

            return T.CreateTruncating((double.CreateTruncating(l1) * sumSign) + (double.CreateTruncating(l2) * sumProduct));
        }

        private static T Combine<T>(double sumAbs, double sumSquares, T l1, T l2)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            T.CreateTruncating((double.CreateTruncating(l1) * sumAbs) + (0.5 * double.CreateTruncating(l2) * sumSquares));
    }
}
