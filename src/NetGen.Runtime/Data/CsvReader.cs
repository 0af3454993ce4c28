using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>What the label column of a CSV file holds.</summary>
    public enum CsvLabelKind
    {
        /// <summary>
        /// Class labels. When at least one value of the column is a number, the column holds numeric labels: every value
        /// must then be a whole number in [0, <see cref="CsvOptions.MaxClassLabel"/>], used as it is, and anything else
        /// (<c>-1</c>, <c>3x</c>, <c>NA</c>, <c>2.5</c>, an empty field) is a <see cref="CsvFormatException"/> with its
        /// line. Only when no value is a number is the column read as names (e.g. <c>setosa</c>), numbered in ordinal
        /// order and kept in <see cref="Dataset{T}.ClassNames"/>.
        /// </summary>
        Class = 0,

        /// <summary>A real-valued target (regression): <see cref="Dataset{T}.Targets"/> with one value per sample.</summary>
        Target = 1,

        /// <summary>No label column: every column is a feature.</summary>
        None = 2,
    }

    /// <summary>How <see cref="CsvReader"/> reads a file.</summary>
    public sealed class CsvOptions
    {
        /// <summary>The field separator; ',' by default.</summary>
        public char Separator { get; init; } = ',';

        /// <summary>
        /// Whether the first line is a header. <c>null</c> (the default) detects it: the first line is a header when one
        /// of its non-empty feature fields is not a number.
        /// </summary>
        public bool? HasHeader { get; init; }

        /// <summary>The label column's index; negative counts from the end (−1, the default, is the last column).</summary>
        public int LabelColumn { get; init; } = -1;

        /// <summary>The label column's name in the header; when set, it wins over <see cref="LabelColumn"/>.</summary>
        public string? LabelColumnName { get; init; }

        /// <summary>What the label column holds; <see cref="CsvLabelKind.Class"/> by default.</summary>
        public CsvLabelKind LabelKind { get; init; } = CsvLabelKind.Class;

        /// <summary>
        /// The largest numeric class label accepted (1,000,000 by default; at most <c>int.MaxValue − 1</c>, so that the
        /// class count fits in an <see cref="int"/>). A larger label is almost always a wrong column or a typo, and would
        /// make one-hot targets and per-class counts that large.
        /// </summary>
        public int MaxClassLabel { get; init; } = 1_000_000;
    }

    /// <summary>
    /// Reads numeric tabular data from CSV: one sample per line, fields separated by <see cref="CsvOptions.Separator"/>,
    /// numbers in the invariant culture (<c>1.5</c>, <c>-2e-3</c>). Fields may be quoted (<c>"…"</c>, with <c>""</c> for a
    /// quote); empty lines are skipped; a value must be a finite number (no missing values). Every problem is a
    /// <see cref="CsvFormatException"/> with the line number and, where it applies, the column.
    /// </summary>
    public static class CsvReader
    {
        /// <summary>Reads the CSV file at <paramref name="path"/>.</summary>
        public static Dataset<T> Read<T>(string path, CsvOptions? options = null)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(path);
            using var reader = new StreamReader(path);
            return Read<T>(reader, options, Path.GetFileName(path));
        }

        /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="sourceName"/> names it in errors.</summary>
        public static Dataset<T> Read<T>(TextReader reader, CsvOptions? options = null, string sourceName = "CSV")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(reader);
            options ??= new CsvOptions();
            if (options.MaxClassLabel is < 0 or int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.MaxClassLabel, "CsvOptions.MaxClassLabel must lie in [0, int.MaxValue − 1].");
            }

            var rows = new List<(int Line, List<string> Fields)>();
            string? text;
            int lineNumber = 0;
            while ((text = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                rows.Add((lineNumber, Split(text, options.Separator, sourceName, lineNumber)));
            }

            if (rows.Count == 0)
            {
                throw new CsvFormatException(sourceName, 0, null, "the file has no lines");
            }

            int columns = rows[0].Fields.Count;
            bool labeled = options.LabelKind != CsvLabelKind.None;
            if (labeled && columns < 2)
            {
                throw new CsvFormatException(sourceName, rows[0].Line, null, "a labeled file needs at least 2 columns (features and a label) but the first line has 1");
            }

            // Resolve the label column by index first (header detection needs it), then by name once the header is known.
            int labelColumn = -1;
            if (labeled && options.LabelColumnName is null)
            {
                labelColumn = options.LabelColumn < 0 ? columns + options.LabelColumn : options.LabelColumn;
                if (labelColumn < 0 || labelColumn >= columns)
                {
                    throw new CsvFormatException(sourceName, rows[0].Line, null, Invariant($"label column {options.LabelColumn} does not exist; the file has {columns} columns"));
                }
            }

            bool hasHeader = options.HasHeader ?? LooksLikeHeader(rows[0].Fields, labelColumn) || options.LabelColumnName is not null;
            List<string>? header = hasHeader ? rows[0].Fields : null;
            if (options.LabelColumnName is { } labelName && labeled)
            {
                labelColumn = header?.IndexOf(labelName) ?? -1;
                if (labelColumn < 0)
                {
                    string found = header is null ? "the file has no header" : "the header has " + string.Join(", ", header);
                    throw new CsvFormatException(sourceName, rows[0].Line, null, $"label column '{labelName}' not found; {found}");
                }
            }

            int first = hasHeader ? 1 : 0;
            int count = rows.Count - first;
            if (count == 0)
            {
                throw new CsvFormatException(sourceName, rows[0].Line, null, "the file has a header but no data lines");
            }

            int featureCount = labeled ? columns - 1 : columns;
            var features = new T[count * featureCount];
            var labelTexts = labeled ? new string[count] : null;
            for (int r = 0; r < count; r++)
            {
                var (line, fields) = rows[first + r];
                if (fields.Count != columns)
                {
                    throw new CsvFormatException(sourceName, line, null, Invariant($"expected {columns} fields (as on line {rows[0].Line}) but found {fields.Count}"));
                }

                int f = 0;
                for (int c = 0; c < columns; c++)
                {
                    if (c == labelColumn)
                    {
                        labelTexts![r] = fields[c];
                        continue;
                    }

                    features[r * featureCount + f++] = ParseValue<T>(fields[c], sourceName, line, c, header);
                }
            }

            if (!labeled)
            {
                return Dataset<T>.Unlabeled(features, featureCount);
            }

            if (options.LabelKind == CsvLabelKind.Target)
            {
                var targets = new T[count];
                for (int r = 0; r < count; r++)
                {
                    targets[r] = ParseValue<T>(labelTexts![r], sourceName, rows[first + r].Line, labelColumn, header);
                }

                return new Dataset<T>(features, featureCount, targets, 1);
            }

            var (labels, names) = ClassLabels(labelTexts!, r => rows[first + r].Line, sourceName, labelColumn, header, options.MaxClassLabel);
            return new Dataset<T>(features, featureCount, labels, names);
        }

        /// <summary>
        /// Numeric labels when any value is a number (then every value must be a label), names only when none is: one
        /// typo in a column of numbers is an error with its line, never a silent switch to names that renumbers every class.
        /// </summary>
        private static (int[] Labels, IReadOnlyList<string>? Names) ClassLabels(string[] texts, Func<int, int> lineOf, string source, int column, List<string>? header, int maxLabel)
        {
            var labels = new int[texts.Length];
            int example = -1;
            for (int i = 0; i < texts.Length && example < 0; i++)
            {
                if (IsNumber(texts[i], out _))
                {
                    example = i;
                }
            }

            string? columnName = header?[column];
            if (example >= 0)
            {
                for (int i = 0; i < texts.Length; i++)
                {
                    string text = texts[i];
                    string? problem = null;
                    if (!IsNumber(text, out double value))
                    {
                        string what = text.Length == 0 ? "is empty" : $"'{text}' is not a number";
                        problem = Invariant($"the class label {what}, but the column holds numeric labels ('{texts[example]}' on line {lineOf(example)}); a label column is read as names only when none of its values is a number");
                    }
                    else if (value < 0)
                    {
                        problem = $"the class label {text} is negative; class labels are 0, 1, 2, …";
                    }
                    else if (value != Math.Floor(value))
                    {
                        problem = $"the class label {text} is not a whole number";
                    }
                    else if (value > maxLabel)
                    {
                        problem = Invariant($"the class label {text} is above the largest accepted label {maxLabel} (CsvOptions.MaxClassLabel); is this the label column?");
                    }

                    if (problem is not null)
                    {
                        throw new CsvFormatException(source, lineOf(i), column, problem, columnName);
                    }

                    labels[i] = (int)value;
                }

                return (labels, null);
            }

            var names = new SortedSet<string>(texts, StringComparer.Ordinal);
            var ordered = new List<string>(names);
            for (int i = 0; i < texts.Length; i++)
            {
                labels[i] = ordered.BinarySearch(texts[i], StringComparer.Ordinal);
            }

            return (labels, ordered);
        }

        private static bool LooksLikeHeader(List<string> fields, int labelColumn)
        {
            for (int c = 0; c < fields.Count; c++)
            {
                if (c != labelColumn && fields[c].Length > 0 && !double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsNumber(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        /// <summary>A finite number that stays finite in <typeparamref name="T"/> (<c>1e300</c> is +∞ as a float).</summary>
        private static T ParseValue<T>(string field, string source, int line, int column, List<string>? header)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T value = T.CreateChecked(ParseNumber(field, source, line, column, header));
            if (!T.IsFinite(value))
            {
                string type = typeof(T) == typeof(float) ? "Single (float), whose largest value is 3.4028235E+38" : typeof(T).Name;
                throw new CsvFormatException(source, line, column, $"'{field}' is outside the range of {type}", header is null ? null : header[column]);
            }

            return value;
        }

        private static double ParseNumber(string field, string source, int line, int column, List<string>? header)
        {
            if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            {
                return value;
            }

            string problem = field.Length == 0 ? "is empty (missing values are not supported)" : $"'{field}' is not a finite number";
            throw new CsvFormatException(source, line, column, problem, header is null ? null : header[column]);
        }

        private static List<string> Split(string line, char separator, string source, int lineNumber)
        {
            var fields = new List<string>();
            int i = 0;
            while (true)
            {
                while (i < line.Length && line[i] == ' ')
                {
                    i++;
                }

                string field;
                if (i < line.Length && line[i] == '"')
                {
                    var builder = new System.Text.StringBuilder();
                    int start = i;
                    i++;
                    while (true)
                    {
                        if (i >= line.Length)
                        {
                            throw new CsvFormatException(source, lineNumber, fields.Count, Invariant($"the quote opened at character {start + 1} is not closed"));
                        }

                        if (line[i] == '"')
                        {
                            if (i + 1 < line.Length && line[i + 1] == '"')
                            {
                                builder.Append('"');
                                i += 2;
                                continue;
                            }

                            i++;
                            break;
                        }

                        builder.Append(line[i++]);
                    }

                    while (i < line.Length && line[i] == ' ')
                    {
                        i++;
                    }

                    if (i < line.Length && line[i] != separator)
                    {
                        throw new CsvFormatException(source, lineNumber, fields.Count, Invariant($"unexpected '{line[i]}' after a closing quote"));
                    }

                    field = builder.ToString();
                }
                else
                {
                    int end = line.IndexOf(separator, i);
                    field = (end < 0 ? line[i..] : line[i..end]).Trim();
                    i = end < 0 ? line.Length : end;
                }

                fields.Add(field);
                if (i >= line.Length)
                {
                    return fields;
                }

                i++; // the separator
            }
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A CSV file that cannot be read as numeric data; the message names the source, the line and the column.</summary>
    public sealed class CsvFormatException : FormatException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="sourceName">The file name.</param>
        /// <param name="lineNumber">The 1-based line number (0 when the problem is the whole file).</param>
        /// <param name="column">The 0-based column index, when the problem is one field.</param>
        /// <param name="problem">What is wrong.</param>
        /// <param name="columnName">The column's header name, when known.</param>
        public CsvFormatException(string sourceName, int lineNumber, int? column, string problem, string? columnName = null)
            : base(Describe(sourceName, lineNumber, column, columnName) + problem + ".")
        {
            SourceName = sourceName;
            LineNumber = lineNumber;
            Column = column;
        }

        /// <summary>The file name.</summary>
        public string SourceName { get; }

        /// <summary>The 1-based line number; 0 when the problem concerns the whole file.</summary>
        public int LineNumber { get; }

        /// <summary>The 0-based column index, when the problem is one field.</summary>
        public int? Column { get; }

        private static string Describe(string source, int line, int? column, string? columnName)
        {
            string where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{source}, line {line}") : source;
            if (column is { } c)
            {
                where += string.Create(CultureInfo.InvariantCulture, $", column {c + 1}");
                if (columnName is not null)
                {
                    where += $" ('{columnName}')";
                }
            }

            return where + ": ";
        }
    }
}
