using Pbm.Client.Specs;

namespace Pbm.Runtime.Tests.Specs;

public sealed class CronScheduleTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.Zero);

    private static DateTimeOffset? Next(string cron, DateTimeOffset from) => CronSchedule.Parse(cron).Next(from, TimeZoneInfo.Utc);

    [Fact]
    public void DailyAtThree_BeforeThree_FiresTheSameDay() =>
        Assert.Equal(Utc(2025, 3, 10, 3, 0), Next("0 3 * * *", Utc(2025, 3, 10, 2, 59, 59)));

    [Fact]
    public void DailyAtThree_AtThreeExactly_FiresTheNextDay() =>
        Assert.Equal(Utc(2025, 3, 11, 3, 0), Next("0 3 * * *", Utc(2025, 3, 10, 3, 0)));

    [Fact]
    public void EveryFifteenMinutes_StepsFromZero() =>
        Assert.Equal(Utc(2025, 1, 1, 10, 45), Next("*/15 * * * *", Utc(2025, 1, 1, 10, 31)));

    [Fact]
    public void RangeWithStepAndList_MatchesOnlyThoseHours()
    {
        var s = CronSchedule.Parse("30 8-18/5,22 * * *");
        var t = Utc(2025, 1, 1, 0, 0);
        var hours = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            t = s.Next(t, TimeZoneInfo.Utc)!.Value;
            hours.Add(t.Hour);
        }
        Assert.Equal([8, 13, 18, 22], hours);
    }

    [Fact]
    public void WeekdayNames_MondayToFriday_SkipTheWeekend() =>
        // 2025-03-08 is a Saturday.
        Assert.Equal(Utc(2025, 3, 10, 9, 0), Next("0 9 * * MON-FRI", Utc(2025, 3, 8, 12, 0)));

    [Fact]
    public void SundayAsSeven_SameAsZero() =>
        Assert.Equal(Next("0 0 * * 0", Utc(2025, 3, 5, 0, 0)), Next("0 0 * * 7", Utc(2025, 3, 5, 0, 0)));

    [Fact]
    public void BothDayFieldsRestricted_EitherMatches() =>
        // The 13th, or any Friday: from Monday 2025-03-10 the Thursday 13th comes before Friday 14th.
        Assert.Equal(Utc(2025, 3, 13, 0, 0), Next("0 0 13 * FRI", Utc(2025, 3, 10, 0, 0)));

    [Fact]
    public void LeapDay_FoundYearsAhead() =>
        Assert.Equal(Utc(2028, 2, 29, 0, 0), Next("0 0 29 2 *", Utc(2025, 3, 1, 0, 0)));

    [Fact]
    public void ThirtyFirstOfFebruary_NeverOccurs() => Assert.Null(Next("0 0 31 2 *", Utc(2025, 1, 1, 0, 0)));

    [Fact]
    public void Shorthands_Expand() => Assert.Equal(Utc(2025, 4, 1, 0, 0), Next("@monthly", Utc(2025, 3, 10, 0, 0)));

    [Fact]
    public void LocalTimeZone_FiresAtLocalWallClock()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
        // 03:00 at +02:00 is 01:00 UTC.
        Assert.Equal(Utc(2025, 3, 10, 1, 0), CronSchedule.Parse("0 3 * * *").Next(Utc(2025, 3, 10, 0, 0), zone)!.Value.ToUniversalTime());
    }

    [Theory]
    [InlineData("0 3 * *", "expected 5 fields")]
    [InlineData("60 * * * *", "minute '60'")]
    [InlineData("* 24 * * *", "hour '24'")]
    [InlineData("* * 0 * *", "day-of-month '0'")]
    [InlineData("* * * FOO *", "month 'FOO'")]
    [InlineData("*/0 * * * *", "the step after / must be a number of 1 or more")]
    [InlineData("5-1 * * * *", "the range goes backwards")]
    public void Malformed_SaysWhatIsWrong(string cron, string expected)
    {
        Assert.False(CronSchedule.TryParse(cron, out _, out var error));
        Assert.Contains(expected, error);
    }
}
