using System.Text;
using Cohort.Core;

namespace Cohort.Formulas;

/// <summary>What kind of mistake a <see cref="FormulaException"/> reports.</summary>
public enum FormulaErrorKind
{
    /// <summary>The text does not follow the grammar (an unexpected character or token, an unclosed parenthesis).</summary>
    Syntax = 0,

    /// <summary>A call names a function that does not exist.</summary>
    UnknownFunction = 1,

    /// <summary>A function is called with too few or too many arguments.</summary>
    WrongArity = 2,

    /// <summary>A device field is not in the scope's field catalog.</summary>
    UnknownField = 3,

    /// <summary>A named analytic is not defined in the scope.</summary>
    UnknownAnalytic = 4,

    /// <summary>Named analytics refer to each other in a cycle.</summary>
    Cycle = 5,

    /// <summary>An argument has the wrong form, e.g. a duration where a number is needed or the reverse.</summary>
    InvalidArgument = 6,
}

/// <summary>
/// A formula that cannot be accepted: a syntax or binding error, raised when the formula is defined (parsed and
/// bound), never when it is evaluated. <see cref="Column"/> is 1-based; <see cref="FormatWithCaret"/> shows the
/// source line with a caret under the fault.
/// </summary>
public sealed class FormulaException : CohortException
{
    /// <summary>Creates an exception (for serializers and tests; prefer the detailed constructor).</summary>
    public FormulaException()
        : this("The formula is invalid.")
    {
    }

    /// <summary>Creates an exception with a message and no position.</summary>
    public FormulaException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates an exception with a message, no position and its cause.</summary>
    public FormulaException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = message;
        FormulaText = string.Empty;
        Column = 1;
        Line = 1;
        Length = 1;
    }

    /// <summary>Creates an exception for a fault at a 0-based character <paramref name="position"/> of <paramref name="formulaText"/>.</summary>
    /// <param name="kind">What kind of mistake it is.</param>
    /// <param name="reason">Why, without the position.</param>
    /// <param name="formulaText">The formula as written.</param>
    /// <param name="position">The 0-based character offset of the fault.</param>
    /// <param name="length">How many characters the fault spans (at least 1 is shown).</param>
    public FormulaException(FormulaErrorKind kind, string reason, string formulaText, int position, int length = 1)
        : base(Compose(reason, formulaText, position))
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(formulaText);
        Kind = kind;
        Reason = reason;
        FormulaText = formulaText;
        Position = Math.Clamp(position, 0, formulaText.Length);
        Length = Math.Max(1, length);
        (Line, Column) = LineAndColumn(formulaText, Position);
    }

    /// <summary>What kind of mistake this is.</summary>
    public FormulaErrorKind Kind { get; }

    /// <summary>Why the formula was rejected, without the position.</summary>
    public string Reason { get; }

    /// <summary>The formula text the position refers to (an analytic's own text when the fault is inside it).</summary>
    public string FormulaText { get; }

    /// <summary>The 0-based character offset of the fault in <see cref="FormulaText"/>.</summary>
    public int Position { get; }

    /// <summary>How many characters the fault spans (at least 1).</summary>
    public int Length { get; }

    /// <summary>The 1-based line of the fault.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the fault within its line.</summary>
    public int Column { get; }

    /// <summary>
    /// The message, then the source line, then a line with carets under the fault, e.g.
    /// <code>
    /// Unknown function 'foo' at column 5.
    ///   1 + foo(2)
    ///       ^^^
    /// </code>
    /// </summary>
    public string FormatWithCaret()
    {
        var builder = new StringBuilder(Message);
        if (FormulaText.Length == 0 && Reason == Message)
        {
            return builder.ToString();
        }

        var lines = FormulaText.Split('\n');
        var line = lines[Math.Min(Line - 1, lines.Length - 1)].TrimEnd('\r');
        var caretLength = Math.Max(1, Math.Min(Length, line.Length - (Column - 1)));
        builder.AppendLine().Append("  ").AppendLine(line);
        builder.Append(' ', Column + 1).Append('^', caretLength);
        return builder.ToString();
    }

    /// <summary><see cref="FormatWithCaret"/>, followed by the stack trace when there is one.</summary>
    public override string ToString() =>
        StackTrace is { } stack ? FormatWithCaret() + Environment.NewLine + stack : FormatWithCaret();

    private static string Compose(string reason, string text, int position)
    {
        var (line, column) = LineAndColumn(text ?? string.Empty, Math.Clamp(position, 0, text?.Length ?? 0));
        var where = line == 1 ? $"column {column}" : $"line {line}, column {column}";
        return $"{reason.TrimEnd('.')} at {where}.";
    }

    private static (int Line, int Column) LineAndColumn(string text, int position)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < position && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, position - lineStart + 1);
    }
}
