using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// Weight initializers. Random ones draw in <see cref="double"/> from a <see cref="NetGenRandom"/>, one variate per
    /// element in element order, and then convert to the element type, so a seed gives the same weights on every machine
    /// and .NET version, in either precision (up to the final rounding to <see cref="float"/>).
    /// <c>fanIn</c> (n_in) is the number of inputs per unit, <c>fanOut</c> (n_out) the number of units.
    /// </summary>
    public static class Initializers
    {
        /// <summary>Sets every value to 0.</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        public static void Zeros<T>(Span<T> w)
            where T : unmanaged, IFloatingPointIeee754<T> => w.Clear();

        /// <summary>Sets every value to <paramref name="value"/> (BatchNorm γ = 1, PReLU α = 0.25, …).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="value">The value.</param>
        public static void Fill<T>(Span<T> w, T value)
            where T : unmanaged, IFloatingPointIeee754<T> => w.Fill(value);

        /// <summary>Draws each value from N(0, 0.01²).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="random">The generator.</param>
        public static void SmallRandom<T>(Span<T> w, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> => Normal(w, 0.01, random);

        /// <summary>LeCun normal: draws each value from N(0, 1/n_in).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="fanIn">n_in, ≥ 1.</param>
        /// <param name="random">The generator.</param>
        public static void LeCunNormal<T>(Span<T> w, int fanIn, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> => Normal(w, Math.Sqrt(1.0 / Fan(fanIn, nameof(fanIn))), random);

        /// <summary>Glorot (Xavier) normal: draws each value from N(0, 2/(n_in + n_out)).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="fanIn">n_in, ≥ 1.</param>
        /// <param name="fanOut">n_out, ≥ 1.</param>
        /// <param name="random">The generator.</param>
        public static void GlorotNormal<T>(Span<T> w, int fanIn, int fanOut, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Normal(w, Math.Sqrt(2.0 / (Fan(fanIn, nameof(fanIn)) + Fan(fanOut, nameof(fanOut)))), random);

        /// <summary>Glorot (Xavier) uniform: draws each value from U(−√(6/(n_in + n_out)), +√(6/(n_in + n_out))).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="fanIn">n_in, ≥ 1.</param>
        /// <param name="fanOut">n_out, ≥ 1.</param>
        /// <param name="random">The generator.</param>
        public static void GlorotUniform<T>(Span<T> w, int fanIn, int fanOut, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Uniform(w, Math.Sqrt(6.0 / (Fan(fanIn, nameof(fanIn)) + Fan(fanOut, nameof(fanOut)))), random);

        /// <summary>He (Kaiming) normal: draws each value from N(0, 2/n_in).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="fanIn">n_in, ≥ 1.</param>
        /// <param name="random">The generator.</param>
        public static void HeNormal<T>(Span<T> w, int fanIn, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> => Normal(w, Math.Sqrt(2.0 / Fan(fanIn, nameof(fanIn))), random);

        /// <summary>He (Kaiming) uniform: draws each value from U(−√(6/n_in), +√(6/n_in)).</summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="w">The values.</param>
        /// <param name="fanIn">n_in, ≥ 1.</param>
        /// <param name="random">The generator.</param>
        public static void HeUniform<T>(Span<T> w, int fanIn, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T> => Uniform(w, Math.Sqrt(6.0 / Fan(fanIn, nameof(fanIn))), random);

        /// <summary><c>w[i] = σ · NextNormal()</c>.</summary>
        private static void Normal<T>(Span<T> w, double standardDeviation, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(random);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = T.CreateTruncating(standardDeviation * random.NextNormal());
            }
        }

        /// <summary><c>w[i] = limit · (2 · NextDouble() − 1)</c>, in [−limit, limit).</summary>
        private static void Uniform<T>(Span<T> w, double limit, NetGenRandom random)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(random);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = T.CreateTruncating(limit * ((2.0 * random.NextDouble()) - 1.0));
            }
        }

        private static double Fan(int fan, string parameterName)
        {
            Check.Positive(fan, parameterName);
            return fan;
        }
    }
}
