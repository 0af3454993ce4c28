using System;
using System.IO;
using NetGen.Data;

namespace NetGen.Runtime.Tests.Data
{
    public class CsvReaderTests
    {
        private static Dataset<double> Read(string text, CsvOptions? options = null) =>
            CsvReader.Read<double>(new StringReader(text), options, "iris.csv");

        [Fact]
        public void HeaderAndNamedClasses()
        {
            Dataset<double> data = Read("sepal_length,sepal_width,species\n5.1,3.5,setosa\n\n7.0,3.2,versicolor\n6.3,3.3,virginica\n4.9,3.0,setosa\n");
            Assert.Equal(4, data.Count);
            Assert.Equal(2, data.FeatureCount);
            Assert.Equal(new[] { 5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0 }, data.Features);
            Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, data.ClassNames);
            Assert.Equal(new[] { 0, 1, 2, 0 }, data.Labels);
        }

        [Fact]
        public void NoHeader_IntegerLabels_FirstColumn()
        {
            Dataset<double> data = Read("1, 0.5, -2e-1\n0, 1.5, 3\n", new CsvOptions { LabelColumn = 0 });
            Assert.Equal(new[] { 1, 0 }, data.Labels);
            Assert.Null(data.ClassNames);
            Assert.Equal(new[] { 0.5, -0.2, 1.5, 3 }, data.Features);
        }

        [Fact]
        public void LabelByName_AndQuotedFields()
        {
            Dataset<double> data = Read("\"y\",\"x, one\",x2\n2,\"1.5\",3\n0,4,5\n", new CsvOptions { LabelColumnName = "y" });
            Assert.Equal(new[] { 2, 0 }, data.Labels);
            Assert.Equal(new[] { 1.5, 3, 4, 5 }, data.Features);
        }

        [Fact]
        public void Targets_AndSemicolons()
        {
            Dataset<double> data = Read("a;b;price\n1;2;10.5\n3;4;-1\n", new CsvOptions { Separator = ';', LabelKind = CsvLabelKind.Target });
            Assert.Null(data.Labels);
            Assert.Equal(new[] { 10.5, -1 }, data.Targets);
            Assert.Equal(1, data.TargetSize);
        }

        [Fact]
        public void NoLabels()
        {
            Dataset<double> data = Read("1,2,3\n4,5,6\n", new CsvOptions { LabelKind = CsvLabelKind.None });
            Assert.Equal(3, data.FeatureCount);
            Assert.Null(data.Labels);
            Assert.Null(data.Targets);
        }

        [Fact]
        public void WrongFieldCount_NamesTheLine()
        {
            var e = Assert.Throws<CsvFormatException>(() => Read("a,b,c\n1,2,0\n\n1,2\n"));
            Assert.Equal(4, e.LineNumber);
            Assert.Contains("iris.csv, line 4", e.Message);
            Assert.Contains("expected 3 fields (as on line 1) but found 2", e.Message);
        }

        [Fact]
        public void NotANumber_NamesLineAndColumn()
        {
            var e = Assert.Throws<CsvFormatException>(() => Read("width,height,label\n1,2,0\n1,abc,1\n"));
            Assert.Equal(3, e.LineNumber);
            Assert.Equal(1, e.Column);
            Assert.Contains("line 3, column 2 ('height')", e.Message);
            Assert.Contains("'abc' is not a finite number", e.Message);
        }

        [Fact]
        public void EmptyAndNonFiniteFields_AreErrors()
        {
            var e = Assert.Throws<CsvFormatException>(() => Read("1,,0\n"));
            Assert.Contains("line 1, column 2", e.Message);
            Assert.Contains("missing values", e.Message);

            e = Assert.Throws<CsvFormatException>(() => Read("1,2,0\n1,NaN,0\n", new CsvOptions { HasHeader = false }));
            Assert.Contains("line 2", e.Message);
        }

        [Fact]
        public void MissingLabelName_ListsTheHeader()
        {
            var e = Assert.Throws<CsvFormatException>(() => Read("a,b\n1,2\n", new CsvOptions { LabelColumnName = "class" }));
            Assert.Contains("'class' not found", e.Message);
            Assert.Contains("a, b", e.Message);
        }

        [Fact]
        public void LabelColumnOutOfRange_AndEmptyFile_AndUnclosedQuote()
        {
            Assert.Contains("label column 5", Assert.Throws<CsvFormatException>(() => Read("1,2\n", new CsvOptions { LabelColumn = 5 })).Message);
            Assert.Contains("no lines", Assert.Throws<CsvFormatException>(() => Read("\n\n")).Message);
            Assert.Contains("no data lines", Assert.Throws<CsvFormatException>(() => Read("a,b\n")).Message);
            Assert.Contains("not closed", Assert.Throws<CsvFormatException>(() => Read("1,\"2\n")).Message);
        }

        [Fact]
        public void ReadsFromAFile()
        {
            string path = Path.Combine(Path.GetTempPath(), "netgen-" + Guid.NewGuid().ToString("N") + ".csv");
            File.WriteAllText(path, "x,y\n1,0\n2,1\n");
            try
            {
                Dataset<float> data = CsvReader.Read<float>(path);
                Assert.Equal(new[] { 1f, 2f }, data.Features);
                var e = Assert.Throws<CsvFormatException>(() => CsvReader.Read<float>(path, new CsvOptions { LabelColumnName = "z" }));
                Assert.Equal(Path.GetFileName(path), e.SourceName);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
