using System.Runtime.CompilerServices;

namespace Cohort.Formulas.Compilation;

/// <summary>
/// The pointwise semantics, one value at a time, with NaN as the missing value. The scalar delegate calls these, the
/// batch evaluator uses them for the rows its vector loops leave and for the functions it does not vectorize.
/// </summary>
internal static class ScalarOps
{
    public const double Missing = double.NaN;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Divide(double a, double b) => b == 0 ? Missing : a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Modulo(double a, double b) => b == 0 ? Missing : a % b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Power(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : Math.Pow(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Less(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a < b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LessOrEqual(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a <= b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Greater(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a > b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GreaterOrEqual(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a >= b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Equal(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a == b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double NotEqual(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a != b ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double And(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a != 0 && b != 0 ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Or(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? Missing : a != 0 || b != 0 ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Not(double a) => double.IsNaN(a) ? Missing : a == 0 ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Pos(double a) => Math.Max(a, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Neg(double a) => Math.Min(a, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Coalesce(double a, double b) => double.IsNaN(a) ? b : a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double If(double condition, double then, double otherwise) =>
        double.IsNaN(condition) ? Missing : condition != 0 ? then : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Clamp(double x, double low, double high) => Math.Min(Math.Max(x, low), high);

    public static double Round(double x) => Math.Round(x, MidpointRounding.AwayFromZero);

    public static double Round(double x, double digits)
    {
        if (double.IsNaN(x) || double.IsNaN(digits))
        {
            return Missing;
        }

        var whole = Math.Truncate(digits);
        return whole is < 0 or > 15 ? Missing : Math.Round(x, (int)whole, MidpointRounding.AwayFromZero);
    }

    public static double Log(double x, double newBase) => double.IsNaN(x) || double.IsNaN(newBase) ? Missing : Math.Log(x, newBase);
}
