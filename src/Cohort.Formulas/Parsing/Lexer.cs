using System.Collections.Immutable;
using System.Globalization;

namespace Cohort.Formulas.Parsing;

internal enum TokenKind
{
    End,
    Number,
    Duration,
    Path,
    LeftParen,
    RightParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    EqualEqual,
    NotEqual,
}

/// <summary>One segment of a dotted path, and whether it was written in quotes.</summary>
internal readonly record struct PathSegment(string Text, bool Quoted);

internal readonly record struct Token(TokenKind Kind, int Position, int Length)
{
    public double Number { get; init; }

    public TimeSpan Duration { get; init; }

    public ImmutableArray<PathSegment> Segments { get; init; }

    /// <summary>Whether this is the bare word <paramref name="word"/> (a keyword such as <c>and</c>).</summary>
    public bool IsWord(string word) =>
        Kind == TokenKind.Path && Segments.Length == 1 && !Segments[0].Quoted &&
        string.Equals(Segments[0].Text, word, StringComparison.Ordinal);
}

/// <summary>Splits formula text into tokens. Every fault is a <see cref="FormulaException"/>.</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, text.Length, 1));
                return tokens;
            }

            var c = text[i];
            var start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }

            if (IsWordStart(c) || c == '"')
            {
                tokens.Add(ReadPath(text, ref i));
                continue;
            }

            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            (TokenKind kind, int length) = c switch
            {
                '(' => (TokenKind.LeftParen, 1),
                ')' => (TokenKind.RightParen, 1),
                ',' => (TokenKind.Comma, 1),
                '+' => (TokenKind.Plus, 1),
                '-' => (TokenKind.Minus, 1),
                '*' => (TokenKind.Star, 1),
                '/' => (TokenKind.Slash, 1),
                '%' => (TokenKind.Percent, 1),
                '^' => (TokenKind.Caret, 1),
                '<' when next == '=' => (TokenKind.LessOrEqual, 2),
                '<' => (TokenKind.Less, 1),
                '>' when next == '=' => (TokenKind.GreaterOrEqual, 2),
                '>' => (TokenKind.Greater, 1),
                '=' when next == '=' => (TokenKind.EqualEqual, 2),
                '!' when next == '=' => (TokenKind.NotEqual, 2),
                '=' => throw Error("Unexpected '='; write '==' to compare for equality", text, start),
                _ => throw Error($"Unexpected character '{Printable(c)}'", text, start),
            };
            tokens.Add(new Token(kind, start, length));
            i += length;
        }
    }

    public static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_';

    public static bool IsWordPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static Token ReadNumber(string text, ref int i)
    {
        var start = i;
        var integral = true;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] == '.')
        {
            integral = false;
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E') &&
            (i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) ||
              ((text[i + 1] == '+' || text[i + 1] == '-') && i + 2 < text.Length && char.IsAsciiDigit(text[i + 2])))))
        {
            integral = false;
            i += 2;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var digits = text.AsSpan(start, i - start);
        if (i < text.Length && IsWordStart(text[i]))
        {
            var unitStart = i;
            while (i < text.Length && IsWordPart(text[i]))
            {
                i++;
            }

            var unit = text[unitStart..i];
            if (!integral)
            {
                throw Error("A duration must be a whole number followed by a unit (ms, s, m, h, d)", text, start, i - start);
            }

            if (!DurationText.TryFromUnit(digits, unit, out var duration))
            {
                throw Error($"'{text[start..i]}' is not a number or a duration (units: ms, s, m, h, d)", text, start, i - start);
            }

            return new Token(TokenKind.Duration, start, i - start) { Duration = duration };
        }

        var value = double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw Error($"The number '{digits}' is out of range", text, start, i - start);
        }

        return new Token(TokenKind.Number, start, i - start) { Number = value };
    }

    private static Token ReadPath(string text, ref int i)
    {
        var start = i;
        var segments = ImmutableArray.CreateBuilder<PathSegment>();
        while (true)
        {
            if (i < text.Length && text[i] == '"')
            {
                segments.Add(new PathSegment(ReadQuoted(text, ref i), true));
            }
            else if (i < text.Length && (IsWordStart(text[i]) || (segments.Count > 0 && char.IsAsciiDigit(text[i]))))
            {
                var segmentStart = i;
                while (i < text.Length && IsWordPart(text[i]))
                {
                    i++;
                }

                segments.Add(new PathSegment(text[segmentStart..i], false));
            }
            else
            {
                throw Error("Expected a name after '.'", text, i);
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                continue;
            }

            return new Token(TokenKind.Path, start, i - start) { Segments = segments.ToImmutable() };
        }
    }

    private static string ReadQuoted(string text, ref int i)
    {
        var start = i;
        i++;
        var builder = new System.Text.StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                return builder.ToString();
            }

            if (c == '\\')
            {
                if (i + 1 < text.Length && (text[i + 1] == '"' || text[i + 1] == '\\'))
                {
                    builder.Append(text[i + 1]);
                    i += 2;
                    continue;
                }

                throw Error("In a quoted name, '\\' must be followed by '\"' or '\\'", text, i);
            }

            builder.Append(c);
            i++;
        }

        throw Error("The quoted name is not closed (missing '\"')", text, start);
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();

    private static FormulaException Error(string reason, string text, int position, int length = 1) =>
        new(FormulaErrorKind.Syntax, reason, text, position, length);
}
