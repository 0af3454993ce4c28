using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>A training set and a test set, e.g. as published with a benchmark.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="Training">The samples to train (and validate) on.</param>
    /// <param name="Test">The held-out samples to report accuracy on.</param>
    public sealed record TrainTestSplit<T>(Dataset<T> Training, Dataset<T> Test)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Fashion-MNIST (Zalando Research, MIT license): 28 × 28 grayscale images of clothing in 10 classes, 60,000 for
    /// training and 10,000 for testing, in four IDX files (gzipped or not).
    /// </summary>
    public static class FashionMnist
    {
        /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the data.</summary>
        public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

        /// <summary>The training images file, without the optional <c>.gz</c>.</summary>
        public const string TrainingImagesFile = "train-images-idx3-ubyte";

        /// <summary>The training labels file, without the optional <c>.gz</c>.</summary>
        public const string TrainingLabelsFile = "train-labels-idx1-ubyte";

        /// <summary>The test images file, without the optional <c>.gz</c>.</summary>
        public const string TestImagesFile = "t10k-images-idx3-ubyte";

        /// <summary>The test labels file, without the optional <c>.gz</c>.</summary>
        public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

        /// <summary>Image height in pixels.</summary>
        public const int Height = 28;

        /// <summary>Image width in pixels.</summary>
        public const int Width = 28;

        /// <summary>Pixels per image, the network's input size: 784.</summary>
        public const int PixelCount = Height * Width;

        /// <summary>The number of classes.</summary>
        public const int ClassCount = 10;

        /// <summary>The class names, indexed by label.</summary>
        public static IReadOnlyList<string> ClassNames { get; } = new[]
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        /// <summary>Whether <paramref name="directory"/> holds all four files (each gzipped or raw).</summary>
        public static bool IsAvailable(string directory)
        {
            ArgumentNullException.ThrowIfNull(directory);
            foreach (string file in new[] { TrainingImagesFile, TrainingLabelsFile, TestImagesFile, TestLabelsFile })
            {
                if (Find(directory, file) is null)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Loads the training and test sets as <see cref="float"/> pixels in [0, 1].</summary>
        /// <param name="directory">The folder with the four files, e.g. <see cref="DefaultDirectory"/>.</param>
        /// <exception cref="FileNotFoundException">A file is missing (the message names both names tried).</exception>
        /// <exception cref="IdxFormatException">A file is malformed or not what Fashion-MNIST needs.</exception>
        public static TrainTestSplit<float> Load(string directory) => Load<float>(directory);

        /// <summary>Loads the training and test sets with pixels in [0, 1] as <typeparamref name="T"/>.</summary>
        /// <param name="directory">The folder with the four files, e.g. <see cref="DefaultDirectory"/>.</param>
        /// <exception cref="FileNotFoundException">A file is missing (the message names both names tried).</exception>
        /// <exception cref="IdxFormatException">A file is malformed or not what Fashion-MNIST needs.</exception>
        public static TrainTestSplit<T> Load<T>(string directory)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(directory);
            Dataset<T> training = LoadPart<T>(directory, TrainingImagesFile, TrainingLabelsFile);
            Dataset<T> test = LoadPart<T>(directory, TestImagesFile, TestLabelsFile);
            return new TrainTestSplit<T>(training, test);
        }

        /// <summary>
        /// Loads one images file (<c>N × 28 × 28</c> unsigned bytes) and its labels file (<c>N</c> unsigned bytes in 0…9)
        /// from <paramref name="directory"/>; each name may carry <c>.gz</c>.
        /// </summary>
        public static Dataset<T> LoadPart<T>(string directory, string imagesFile, string labelsFile)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            string imagesPath = Require(directory, imagesFile);
            string labelsPath = Require(directory, labelsFile);
            IdxFile images = IdxFile.Read(imagesPath, expectedDimensions: 3, expectedType: IdxDataType.UnsignedByte);
            IdxFile labels = IdxFile.Read(labelsPath, expectedDimensions: 1, expectedType: IdxDataType.UnsignedByte);
            string imagesName = Path.GetFileName(imagesPath);
            string labelsName = Path.GetFileName(labelsPath);
            if (images.Dimensions[1] != Height || images.Dimensions[2] != Width)
            {
                throw new IdxFormatException(imagesName, Invariant($"expected {Height} × {Width} images but found {images.Dimensions[1]} × {images.Dimensions[2]}"));
            }

            if (images.ItemCount != labels.ItemCount)
            {
                throw new IdxFormatException(labelsName, Invariant($"holds {labels.ItemCount} labels but {imagesName} holds {images.ItemCount} images"));
            }

            int[] classes = labels.ToInt32Array();
            for (int i = 0; i < classes.Length; i++)
            {
                if (classes[i] >= ClassCount)
                {
                    throw new IdxFormatException(labelsName, Invariant($"label {i} is {classes[i]}; expected 0 … {ClassCount - 1}"));
                }
            }

            return new Dataset<T>(images.ToScaledArray<T>(), PixelCount, classes, ClassNames);
        }

        private static string? Find(string directory, string file)
        {
            string raw = Path.Combine(directory, file);
            string gzipped = raw + ".gz";
            return File.Exists(gzipped) ? gzipped : File.Exists(raw) ? raw : null;
        }

        private static string Require(string directory, string file) =>
            Find(directory, file) ?? throw new FileNotFoundException(
                $"Fashion-MNIST file '{file}.gz' (or '{file}') not found in '{directory}'. Install the Debian package dataset-fashion-mnist (it fills {DefaultDirectory}) or point to a folder with the four IDX files.",
                Path.Combine(directory, file + ".gz"));

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
