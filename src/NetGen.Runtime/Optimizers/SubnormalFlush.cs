using System.Numerics;

namespace NetGen.Optimizers
{
    /// <summary>
    /// The threshold below which optimizers flush their moments to zero. A parameter whose gradient stays 0 (a unit that no
    /// longer fires) has its moments decay by β each step into subnormal numbers, where β · 2⁻¹⁴⁹ rounds back to 2⁻¹⁴⁹:
    /// they stay subnormal for good, and arithmetic on subnormals is many times slower (an Adam step of the Fashion MLP's
    /// 235,146 parameters went from 0.15 to 4–7 ms after 750 steps of zero gradients). Their share of an update is nil.
    /// </summary>
    internal static class SubnormalFlush<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The smallest positive normal number of <typeparamref name="T"/> (2⁻¹²⁶ or 2⁻¹⁰²²).</summary>
        public static readonly T SmallestNormal = typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308);
    }
}
