using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Formulas.Parsing;

/// <summary>
/// Recursive-descent parser. Grammar, lowest precedence first:
/// <code>
/// formula    := or END
/// or         := and ('or' and)*
/// and        := not ('and' not)*
/// not        := 'not' not | comparison
/// comparison := additive (('&lt;'|'&lt;='|'&gt;'|'&gt;='|'=='|'!=') additive)?      (comparisons do not chain)
/// additive   := multiplicative (('+'|'-') multiplicative)*
/// multiplicative := unary (('*'|'/'|'%') unary)*
/// unary      := '-' unary | power
/// power      := atom ('^' unary)?                                   (right-associative; -2^2 = -(2^2))
/// atom       := NUMBER | DURATION | '(' or ')' | NAME '(' args? ')' | path
/// </code>
/// </summary>
internal sealed class Parser
{
    /// <summary>The deepest tree accepted; deeper formulas are refused rather than risking the stack.</summary>
    public const int MaxDepth = 200;

    /// <summary>The longest formula text accepted.</summary>
    public const int MaxLength = 20_000;

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _index;
    private int _nesting;

    private Parser(string text, List<Token> tokens)
    {
        _text = text;
        _tokens = tokens;
    }

    private Token Current => _tokens[_index];

    public static FormulaNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new FormulaException(FormulaErrorKind.Syntax, $"The formula is longer than {MaxLength} characters", text, MaxLength);
        }

        var parser = new Parser(text, Lexer.Tokenize(text));
        if (parser.Current.Kind == TokenKind.End)
        {
            throw parser.Error("The formula is empty", parser.Current);
        }

        var node = parser.ParseOr();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw parser.Current.Kind == TokenKind.RightParen
                ? parser.Error("Unexpected ')' with no matching '('", parser.Current)
                : parser.Error($"Unexpected {Describe(parser.Current)}; expected an operator or the end of the formula", parser.Current);
        }

        return node;
    }

    private FormulaNode ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsWord("or"))
        {
            var op = Next();
            left = Binary(BinaryOperator.Or, left, ParseAnd(), op);
        }

        return left;
    }

    private FormulaNode ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsWord("and"))
        {
            var op = Next();
            left = Binary(BinaryOperator.And, left, ParseNot(), op);
        }

        return left;
    }

    private FormulaNode ParseNot()
    {
        if (Current.IsWord("not"))
        {
            var op = Next();
            Enter(op);
            var operand = ParseNot();
            _nesting--;
            return Unary(UnaryOperator.Not, operand, op);
        }

        return ParseComparison();
    }

    private FormulaNode ParseComparison()
    {
        var left = ParseAdditive();
        if (ComparisonOf(Current.Kind) is not { } op)
        {
            return left;
        }

        var opToken = Next();
        var node = Binary(op, left, ParseAdditive(), opToken);
        if (ComparisonOf(Current.Kind) is not null)
        {
            throw Error("Comparisons do not chain; use 'and' or parentheses", Current);
        }

        return node;
    }

    private FormulaNode ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Next();
            var right = ParseMultiplicative();
            left = Binary(op.Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract, left, right, op);
        }

        return left;
    }

    private FormulaNode ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Next();
            var right = ParseUnary();
            var kind = op.Kind switch
            {
                TokenKind.Star => BinaryOperator.Multiply,
                TokenKind.Slash => BinaryOperator.Divide,
                _ => BinaryOperator.Modulo,
            };
            left = Binary(kind, left, right, op);
        }

        return left;
    }

    private FormulaNode ParseUnary()
    {
        if (Current.Kind == TokenKind.Minus)
        {
            var op = Next();
            Enter(op);
            var operand = ParseUnary();
            _nesting--;
            return Unary(UnaryOperator.Negate, operand, op);
        }

        return ParsePower();
    }

    private FormulaNode ParsePower()
    {
        var left = ParseAtom();
        if (Current.Kind != TokenKind.Caret)
        {
            return left;
        }

        var op = Next();
        Enter(op);
        var right = ParseUnary();
        _nesting--;
        return Binary(BinaryOperator.Power, left, right, op);
    }

    private FormulaNode ParseAtom()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                return new NumberNode(token.Number) { Position = token.Position, Length = token.Length };
            case TokenKind.Duration:
                Next();
                return new DurationNode(token.Duration) { Position = token.Position, Length = token.Length };
            case TokenKind.LeftParen:
            {
                Next();
                Enter(token);
                var inner = ParseOr();
                _nesting--;
                Expect(TokenKind.RightParen, "')' to close the '(' at column " + (token.Position + 1));
                return inner;
            }

            case TokenKind.Path:
                Next();
                return ParsePath(token);
            case TokenKind.End:
                throw Error("The formula ends where a value was expected", token);
            default:
                throw Error($"Unexpected {Describe(token)}; expected a number, a name or '('", token);
        }
    }

    private FormulaNode ParsePath(Token token)
    {
        var segments = token.Segments;
        var first = segments[0];
        if (segments.Length == 1 && !first.Quoted && first.Text is "and" or "or" or "not")
        {
            throw Error($"The keyword '{first.Text}' cannot be used as a value", token);
        }

        if (Current.Kind == TokenKind.LeftParen)
        {
            if (segments.Length != 1 || first.Quoted)
            {
                throw Error("Only a plain function name can be called", token);
            }

            var open = Next();
            Enter(open);
            var arguments = ImmutableArray.CreateBuilder<FormulaNode>();
            if (Current.Kind != TokenKind.RightParen)
            {
                while (true)
                {
                    arguments.Add(ParseOr());
                    if (Current.Kind == TokenKind.Comma)
                    {
                        Next();
                        continue;
                    }

                    break;
                }
            }

            _nesting--;
            Expect(TokenKind.RightParen, $"',' or ')' in the call of '{first.Text}'");
            var args = arguments.ToImmutable();
            return new CallNode(first.Text, args)
            {
                Position = token.Position,
                Length = token.Length,
                Depth = 1 + (args.IsEmpty ? 0 : args.Max(a => a.Depth)),
            }.CheckDepth(this, token);
        }

        if (segments.Length == 1)
        {
            return new AnalyticNode(first.Text) { Position = token.Position, Length = token.Length };
        }

        if (segments.Length == 2 && !first.Quoted && first.Text == "analytics")
        {
            return new AnalyticNode(segments[1].Text) { Position = token.Position, Length = token.Length };
        }

        if (first.Text.Length == 0)
        {
            throw Error("The device name is empty", token);
        }

        var field = string.Join('.', segments.Skip(1).Select(s => s.Text));
        if (field.Length == 0)
        {
            throw Error("The field name is empty", token);
        }

        return new FieldNode(new FieldReference(first.Text, field)) { Position = token.Position, Length = token.Length };
    }

    private static BinaryOperator? ComparisonOf(TokenKind kind) => kind switch
    {
        TokenKind.Less => BinaryOperator.Less,
        TokenKind.LessOrEqual => BinaryOperator.LessOrEqual,
        TokenKind.Greater => BinaryOperator.Greater,
        TokenKind.GreaterOrEqual => BinaryOperator.GreaterOrEqual,
        TokenKind.EqualEqual => BinaryOperator.Equal,
        TokenKind.NotEqual => BinaryOperator.NotEqual,
        _ => null,
    };

    private BinaryNode Binary(BinaryOperator op, FormulaNode left, FormulaNode right, Token token) =>
        new BinaryNode(op, left, right)
        {
            Position = token.Position,
            Length = token.Length,
            Depth = 1 + Math.Max(left.Depth, right.Depth),
        }.CheckDepth(this, token);

    private UnaryNode Unary(UnaryOperator op, FormulaNode operand, Token token) =>
        new UnaryNode(op, operand) { Position = token.Position, Length = token.Length, Depth = 1 + operand.Depth }.CheckDepth(this, token);

    internal FormulaException TooDeep(Token token) =>
        Error($"The formula is nested too deeply (more than {MaxDepth} levels)", token);

    private void Enter(Token token)
    {
        if (++_nesting > MaxDepth)
        {
            throw TooDeep(token);
        }
    }

    private Token Next()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        return token;
    }

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error($"Expected {what}, found {Describe(Current)}", Current);
        }

        Next();
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the formula",
        TokenKind.Number => "a number",
        TokenKind.Duration => "a duration",
        TokenKind.Path => $"'{string.Join('.', token.Segments.Select(s => s.Text))}'",
        TokenKind.LeftParen => "'('",
        TokenKind.RightParen => "')'",
        TokenKind.Comma => "','",
        _ => "an operator",
    };

    private FormulaException Error(string reason, Token token) =>
        new(FormulaErrorKind.Syntax, reason, _text, token.Position, token.Length);
}

internal static class DepthCheck
{
    public static T CheckDepth<T>(this T node, Parser parser, Token token)
        where T : FormulaNode =>
        node.Depth > Parser.MaxDepth ? throw parser.TooDeep(token) : node;
}
