using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeGateway.Testing;

/// <summary>Waiting on a condition with a generous deadline, instead of sleeping and then counting.</summary>
public static class Eventually
{
    /// <summary>
    /// Polls until <paramref name="condition"/> holds; throws naming <paramref name="what"/> (the condition's own text
    /// when not given) and, when <paramref name="saw"/> is given, what there was instead, once the deadline passes.
    /// </summary>
    public static async Task HoldsAsync(
        Func<bool> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string? what = null, Func<string>? saw = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}{Saw(saw)}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous condition like <see cref="HoldsAsync(Func{bool}, TimeSpan, string?, Func{string}?)"/>.</summary>
    public static async Task HoldsAsync(
        Func<Task<bool>> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string? what = null, Func<string>? saw = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}{Saw(saw)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Watches <paramref name="condition"/> for the whole <paramref name="window"/> and throws as soon as it stops holding:
    /// for "it happened once and stays once", checked after the wait for the first time instead of a sleep.
    /// </summary>
    public static async Task StaysAsync(
        Func<Task<bool>> condition, TimeSpan window, [CallerArgumentExpression(nameof(condition))] string? what = null, Func<string>? saw = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        do
        {
            if (!await condition())
            {
                throw new InvalidOperationException($"{what} stopped holding after {clock.Elapsed.TotalSeconds:0.0} s of {window.TotalSeconds:0.#} s{Saw(saw)}");
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < window);

        if (!await condition())
        {
            throw new InvalidOperationException($"{what} stopped holding at the end of {window.TotalSeconds:0.#} s{Saw(saw)}");
        }
    }

    private static string Saw(Func<string>? saw) => saw is null ? "" : $"; saw {saw()}";
}
