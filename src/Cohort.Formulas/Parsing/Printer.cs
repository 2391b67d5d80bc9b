using System.Globalization;
using System.Text;

namespace Cohort.Formulas.Parsing;

/// <summary>
/// Prints a tree back to formula text with the fewest parentheses that keep its shape, so that parsing the printed
/// text gives an equal tree.
/// </summary>
internal static class Printer
{
    // Precedence levels, lowest first; an operand needs parentheses when its level is below what its slot requires.
    private const int OrLevel = 1;
    private const int AndLevel = 2;
    private const int NotLevel = 3;
    private const int ComparisonLevel = 4;
    private const int AdditiveLevel = 5;
    private const int MultiplicativeLevel = 6;
    private const int UnaryLevel = 7;
    private const int PowerLevel = 8;
    private const int AtomLevel = 9;

    public static string Print(FormulaNode node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    public static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Modulo => "%",
        BinaryOperator.Power => "^",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.And => "and",
        _ => "or",
    };

    public static string QuoteSegment(string segment)
    {
        if (segment.Length > 0 && Lexer.IsWordStart(segment[0]) && segment.All(Lexer.IsWordPart))
        {
            return segment;
        }

        return "\"" + segment.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static int Level(FormulaNode node) => node switch
    {
        BinaryNode b => b.Operator switch
        {
            BinaryOperator.Or => OrLevel,
            BinaryOperator.And => AndLevel,
            BinaryOperator.Add or BinaryOperator.Subtract => AdditiveLevel,
            BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Modulo => MultiplicativeLevel,
            BinaryOperator.Power => PowerLevel,
            _ => ComparisonLevel,
        },
        UnaryNode u => u.Operator == UnaryOperator.Not ? NotLevel : UnaryLevel,
        _ => AtomLevel,
    };

    private static void Write(StringBuilder builder, FormulaNode node)
    {
        switch (node)
        {
            case NumberNode n:
                builder.Append(n.Value.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DurationNode d:
                builder.Append(DurationText.Format(d.Value));
                break;
            case FieldNode f:
                builder.Append(QuoteSegment(f.Field.Device));
                foreach (var part in f.Field.Field.Split('.'))
                {
                    builder.Append('.').Append(QuoteSegment(part));
                }

                break;
            case AnalyticNode a:
                var name = QuoteSegment(a.Name);
                builder.Append(name is "and" or "or" or "not" ? "analytics." + name : name);
                break;
            case UnaryNode u:
                builder.Append(u.Operator == UnaryOperator.Negate ? "-" : "not ");
                WriteOperand(builder, u.Operand, u.Operator == UnaryOperator.Negate ? UnaryLevel : NotLevel);
                break;
            case BinaryNode b:
                var level = Level(b);
                var (leftNeeds, rightNeeds) = level switch
                {
                    PowerLevel => (AtomLevel, UnaryLevel),
                    ComparisonLevel => (AdditiveLevel, AdditiveLevel),
                    MultiplicativeLevel => (MultiplicativeLevel, UnaryLevel),
                    AndLevel => (AndLevel, NotLevel),
                    _ => (level, level + 1),
                };
                WriteOperand(builder, b.Left, leftNeeds);
                builder.Append(' ').Append(Symbol(b.Operator)).Append(' ');
                WriteOperand(builder, b.Right, rightNeeds);
                break;
            case CallNode c:
                builder.Append(c.Name).Append('(');
                for (var i = 0; i < c.Arguments.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    Write(builder, c.Arguments[i]);
                }

                builder.Append(')');
                break;
            default:
                throw new InvalidOperationException($"Unknown node {node.GetType().Name}.");
        }
    }

    private static void WriteOperand(StringBuilder builder, FormulaNode node, int required)
    {
        if (Level(node) < required)
        {
            builder.Append('(');
            Write(builder, node);
            builder.Append(')');
        }
        else
        {
            Write(builder, node);
        }
    }
}
