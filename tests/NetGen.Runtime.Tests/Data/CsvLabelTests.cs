using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NetGen.Data;

namespace NetGen.Runtime.Tests.Data
{
    /// <summary>The CSV reader never guesses: a typo in numeric labels, a label out of range, a value out of float range.</summary>
    public class CsvLabelTests
    {
        /// <summary>A file of <paramref name="rows"/> rows "x,y,label" with labels 0 … 11 cycling, and one line replaced.</summary>
        private static string File(int rows, int badRow = -1, string badLabel = "", bool header = false)
        {
            var text = new StringBuilder();
            if (header)
            {
                text.Append("x,y,class\n");
            }

            for (int r = 0; r < rows; r++)
            {
                string label = r == badRow ? badLabel : (r % 12).ToString(CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"{r * 0.5},{-r},{label}\n");
            }

            return text.ToString();
        }

        [Theory]
        [InlineData("-1", "negative")]
        [InlineData("3x", "'3x' is not a number")]
        [InlineData("NA", "'NA' is not a number")]
        [InlineData("NaN", "'NaN' is not a number")]
        [InlineData("", "is empty")]
        [InlineData("2.5", "not a whole number")]
        [InlineData("-0.5", "negative")]
        [InlineData("1e7", "above the largest accepted label 1000000")]
        [InlineData("2147483647", "above the largest accepted label")]
        [InlineData("1e300", "above the largest accepted label")]
        public void OneBadLabel_InNumericLabels_IsAnError_WithItsLine(string bad, string problem)
        {
            // Row 40 of 57 is line 41 (42 with a header); the numeric labels 0 … 11 would sort "10" before "2" as names.
            foreach (bool header in new[] { false, true })
            {
                var e = Assert.Throws<CsvFormatException>(() => CsvReader.Read<float>(new StringReader(File(57, 40, bad, header)), sourceName: "labels.csv"));
                int line = header ? 42 : 41;
                Assert.Equal(line, e.LineNumber);
                Assert.Equal(2, e.Column);
                Assert.Contains(problem, e.Message);
                Assert.Contains($"labels.csv, line {line}, column 3", e.Message);
            }
        }

        [Fact]
        public void NumericLabels_AreUsedAsTheyAre_NotSortedAsNames()
        {
            Dataset<double> data = CsvReader.Read<double>(new StringReader(File(30)));
            Assert.Null(data.ClassNames);
            Assert.Equal(Enumerable.Range(0, 30).Select(r => r % 12).ToArray(), data.Labels);
            Assert.Equal(12, data.ClassCount);
        }

        [Fact]
        public void AColumnWithNoNumber_IsNames_AndOneNumberAmongNames_IsAnError()
        {
            Dataset<float> data = CsvReader.Read<float>(new StringReader("1,2,cat\n3,4,dog\n5,6,cat\n7,8,emu\n"));
            Assert.Equal(new[] { "cat", "dog", "emu" }, data.ClassNames);
            Assert.Equal(new[] { 0, 1, 0, 2 }, data.Labels);

            var e = Assert.Throws<CsvFormatException>(() => CsvReader.Read<float>(new StringReader("1,2,cat\n3,4,7\n5,6,dog\n")));
            Assert.Equal(1, e.LineNumber);
            Assert.Contains("'7' on line 2", e.Message);
        }

        [Fact]
        public void MaxClassLabel_IsAnOption_AndIntMaxValueCannotOverflowClassCount()
        {
            Dataset<float> data = CsvReader.Read<float>(new StringReader("1,5000000\n2,0\n"), new CsvOptions { MaxClassLabel = 5_000_000 });
            Assert.Equal(5_000_001, data.ClassCount);

            Assert.Throws<ArgumentOutOfRangeException>(() => CsvReader.Read<float>(new StringReader("1,0\n"), new CsvOptions { MaxClassLabel = int.MaxValue }));

            var e = Assert.Throws<ArgumentException>(() => new Dataset<float>(new float[2], 1, new[] { 0, int.MaxValue }));
            Assert.Contains("sample 1", e.Message);
        }

        [Theory]
        [InlineData("1e300")]
        [InlineData("-4e38")]
        [InlineData("3.5e38")]
        public void AFeatureOutsideFloatRange_IsAnError_WithLineAndColumn_ButFineAsDouble(string value)
        {
            string text = $"1,2,0\n3,{value},1\n5,6,0\n";
            var e = Assert.Throws<CsvFormatException>(() => CsvReader.Read<float>(new StringReader(text), sourceName: "big.csv"));
            Assert.Equal(2, e.LineNumber);
            Assert.Equal(1, e.Column);
            Assert.Contains("outside the range of Single", e.Message);

            Dataset<double> data = CsvReader.Read<double>(new StringReader(text));
            Assert.Equal(double.Parse(value, CultureInfo.InvariantCulture), data.Features[3]);
        }

        [Fact]
        public void ATargetOutsideFloatRange_IsAnError()
        {
            var e = Assert.Throws<CsvFormatException>(() => CsvReader.Read<float>(new StringReader("1,2\n3,1e39\n"), new CsvOptions { LabelKind = CsvLabelKind.Target }));
            Assert.Equal(2, e.LineNumber);
            Assert.Equal(1, e.Column);
        }
    }
}
