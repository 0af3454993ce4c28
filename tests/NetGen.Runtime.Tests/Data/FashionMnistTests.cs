using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests.Data
{
    public class FashionMnistTests
    {
        [Fact]
        public void DefaultDirectory_IsTheDebianPackagePath()
        {
            Assert.Equal("/usr/share/datasets/fashion-mnist", FashionMnist.DefaultDirectory);
        }

        [Fact]
        public void ClassNames_AreTheTenPublishedOnes()
        {
            Assert.Equal(
                new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
                FashionMnist.ClassNames);
        }

        [Fact]
        public void ShippedSubset_Loads_AndIsBalanced()
        {
            string directory = TestDatasets.FashionMnistSubset;
            Assert.True(FashionMnist.IsAvailable(directory));
            var (training, test) = FashionMnist.Load(directory);

            Assert.Equal(6000, training.Count);
            Assert.Equal(2000, test.Count);
            Assert.Equal(784, training.FeatureCount);
            Assert.Equal(FashionMnist.ClassNames, training.ClassNames);
            Assert.All(training.Features, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1f, training.Features.Max());

            // Roughly balanced: every class within ±15 % of an even share.
            Assert.All(training.ClassCounts(), c => Assert.InRange(c, 510, 690));
            Assert.All(test.ClassCounts(), c => Assert.InRange(c, 170, 230));
        }

        [Fact]
        public void LoadDouble_GivesTheSamePixels()
        {
            var single = FashionMnist.Load(TestDatasets.FashionMnistSubset);
            var twice = FashionMnist.Load<double>(TestDatasets.FashionMnistSubset);
            Assert.Equal(single.Test.Labels, twice.Test.Labels);
            Assert.Equal(single.Test.Features[300], (float)twice.Test.Features[300]);
        }

        [Fact]
        public void MissingFile_NamesBothNamesTried()
        {
            string empty = Path.Combine(Path.GetTempPath(), "netgen-empty-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(empty);
            try
            {
                Assert.False(FashionMnist.IsAvailable(empty));
                var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(empty));
                Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
                Assert.Contains("'train-images-idx3-ubyte'", e.Message);
                Assert.Contains("dataset-fashion-mnist", e.Message);
            }
            finally
            {
                Directory.Delete(empty, true);
            }
        }

        [Fact]
        public void LabelCountMismatch_IsNamed()
        {
            string folder = Path.Combine(Path.GetTempPath(), "netgen-fm-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                new IdxFile(IdxDataType.UnsignedByte, new[] { 2, 28, 28 }, new byte[2 * 784]).Write(Path.Combine(folder, "a-images.gz"));
                new IdxFile(IdxDataType.UnsignedByte, new[] { 3 }, new byte[] { 1, 2, 3 }).Write(Path.Combine(folder, "a-labels"));
                var e = Assert.Throws<IdxFormatException>(() => FashionMnist.LoadPart<float>(folder, "a-images", "a-labels"));
                Assert.Contains("3 labels", e.Message);
                Assert.Contains("2 images", e.Message);
            }
            finally
            {
                Directory.Delete(folder, true);
            }
        }
    }
}
