using System;

namespace NetGen
{
    /// <summary>Facts about each <see cref="LossFunction"/> that the runtime decides by, one table for all of them.</summary>
    public static class LossFunctions
    {
        /// <summary>
        /// Whether <paramref name="loss"/> trains a classifier, so that accuracy (the argmax of the outputs, or a single
        /// output thresholded at 0.5, against the class) is a meaningful metric: true for
        /// <see cref="LossFunction.BinaryCrossEntropy"/>, <see cref="LossFunction.SoftmaxCrossEntropy"/> and
        /// <see cref="LossFunction.MulticlassHinge"/>, false for <see cref="LossFunction.MeanSquaredError"/>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="loss"/> is not a defined <see cref="LossFunction"/>
        /// (a new loss must be added here, not guessed).</exception>
        public static bool IsClassification(LossFunction loss) => loss switch
        {
            LossFunction.MeanSquaredError => false,
            LossFunction.BinaryCrossEntropy => true,
            LossFunction.SoftmaxCrossEntropy => true,
            LossFunction.MulticlassHinge => true,
            _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Not a LossFunction this runtime knows: MeanSquaredError, BinaryCrossEntropy, SoftmaxCrossEntropy or MulticlassHinge."),
        };
    }
}
