using Cohort.Core;
using Cohort.Ingestion.Decoding;

namespace Cohort.Ingestion.Tests;

public class JsonPayloadDecoderTests
{
    private static DecodeResult Decode(string json, string contentType = "application/json") =>
        JsonPayloadDecoder.Decode(Messages.Json(json, contentType: contentType));

    [Fact]
    public void Decodes_one_reading_object_with_tags_fields_and_an_iso_timestamp()
    {
        var result = Decode("""{"measurement":"env","tags":{"room":"kitchen","floor":"1"},"fields":{"temp":21.5,"on":true,"label":"ok"},"timestamp":"2024-01-02T03:04:05.5Z"}""");

        Assert.Empty(result.Rejections);
        var point = Assert.Single(result.Batch.ToPoints());
        Assert.Equal("env", point.Measurement);
        Assert.Equal(TagSet.Create(("floor", "1"), ("room", "kitchen")), point.Tags);
        Assert.Equal(FieldValue.FromDouble(21.5), point["temp"]);
        Assert.Equal(FieldValue.FromBoolean(true), point["on"]);
        Assert.Equal(FieldValue.FromString("ok"), point["label"]);
        Assert.Equal(Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero)), point.Timestamp);
    }

    [Fact]
    public void Decodes_an_array_of_readings_in_order()
    {
        var result = Decode("""[{"measurement":"a","fields":{"x":1},"timestamp":1},{"measurement":"b","fields":{"y":2},"timestamp":2}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["a", "b"], result.Batch.ToPoints().Select(p => p.Measurement));
    }

    [Theory]
    [InlineData("application/json", "", 1_700_000_000L)]
    [InlineData("application/json", ",\"precision\":\"ms\"", 1_700_000_000L * 1_000_000)]
    [InlineData("application/json; precision=s", "", 1_700_000_000L * 1_000_000_000)]
    [InlineData("application/json; precision=s", ",\"precision\":\"us\"", 1_700_000_000L * 1_000)]
    public void Reads_unix_timestamps_in_the_precision_of_the_reading_or_else_the_content_type(string contentType, string precision, long expected)
    {
        var result = Decode("{\"measurement\":\"m\",\"fields\":{\"v\":1},\"timestamp\":1700000000" + precision + "}", contentType);

        Assert.Equal(expected, Assert.Single(result.Batch.ToPoints()).Timestamp);
    }

    [Fact]
    public void Typed_integer_fields_decode_as_signed_and_unsigned_integers()
    {
        var result = Decode("""{"measurement":"m","fields":{"i":{"int":-5},"u":{"uint":18446744073709551615},"d":5}}""");

        var point = Assert.Single(result.Batch.ToPoints());
        Assert.Equal(FieldValue.FromInt64(-5), point["i"]);
        Assert.Equal(FieldValue.FromUInt64(ulong.MaxValue), point["u"]);
        Assert.Equal(FieldValue.FromDouble(5), point["d"]);
    }

    [Fact]
    public void A_reading_without_timestamp_takes_the_time_the_message_was_received()
    {
        var result = Decode("""{"measurement":"m","fields":{"v":1}}""");

        Assert.Equal(Timestamps.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)), Assert.Single(result.Batch.ToPoints()).Timestamp);
    }

    [Theory]
    [InlineData("""{"fields":{"v":1}}""", "$[1].measurement")]
    [InlineData("""{"measurement":"","fields":{"v":1}}""", "$[1].measurement")]
    [InlineData("""{"measurement":"m"}""", "$[1].fields")]
    [InlineData("""{"measurement":"m","fields":{}}""", "$[1].fields")]
    [InlineData("""{"measurement":"m","fields":{"v":null}}""", "$[1].fields.v")]
    [InlineData("""{"measurement":"m","fields":{"v":[1]}}""", "$[1].fields.v")]
    [InlineData("""{"measurement":"m","fields":{"v":{"int":1.5}}}""", "$[1].fields.v")]
    [InlineData("""{"measurement":"m","fields":{"odd key":{"float":1}}}""", "$[1].fields['odd key']")]
    [InlineData("""{"measurement":"m","tags":{"room":""},"fields":{"v":1}}""", "$[1].tags.room")]
    [InlineData("""{"measurement":"m","tags":{"room":3},"fields":{"v":1}}""", "$[1].tags.room")]
    [InlineData("""{"measurement":"m","tags":["a"],"fields":{"v":1}}""", "$[1].tags")]
    [InlineData("""{"measurement":"m","fields":{"v":1},"timestamp":"yesterday"}""", "$[1].timestamp")]
    [InlineData("""{"measurement":"m","fields":{"v":1},"timestamp":1.5}""", "$[1].timestamp")]
    [InlineData("""{"measurement":"m","fields":{"v":1},"timestamp":9223372036854775807,"precision":"s"}""", "$[1].timestamp")]
    [InlineData("""{"measurement":"m","fields":{"v":1},"precision":"h"}""", "$[1].precision")]
    [InlineData("""{"measurement":"m","fields":{"v":1},"extra":1}""", "$[1].extra")]
    [InlineData("42", "$[1]")]
    public void Rejects_a_bad_reading_with_its_json_path_while_the_good_ones_land(string bad, string path)
    {
        var result = Decode("[" + """{"measurement":"ok","fields":{"v":1},"timestamp":1}""" + "," + bad + "," + """{"measurement":"ok","fields":{"v":2},"timestamp":2}""" + "]");

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(path, rejection.Field);
        Assert.Equal(1, rejection.Index);
        Assert.Equal(bad, rejection.Record);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        Assert.Equal([1L, 2L], result.Batch.ToPoints().Select(p => p.Timestamp));
    }

    [Fact]
    public void Rejects_invalid_json_with_its_line_and_column()
    {
        var result = Decode("[\n  {\"measurement\": \"m\",, }\n]");

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.Line);
        Assert.NotNull(rejection.Column);
        Assert.Equal("$", rejection.Field);
        Assert.True(result.Batch.IsEmpty);
    }

    [Fact]
    public void Rejects_a_payload_that_is_neither_an_object_nor_an_array()
    {
        var rejection = Assert.Single(Decode("\"text\"").Rejections);

        Assert.Equal("$", rejection.Field);
    }

    [Fact]
    public void Rejects_an_unknown_precision_in_the_content_type()
    {
        var rejection = Assert.Single(Decode("""{"measurement":"m","fields":{"v":1}}""", "application/json; precision=h").Rejections);

        Assert.Equal("content-type", rejection.Field);
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("Application/JSON; charset=utf-8", true)]
    [InlineData("application/vnd.cohort+json", true)]
    [InlineData("text/plain", false)]
    public void Accepts_json_content_types_only(string contentType, bool expected)
    {
        Assert.Equal(expected, new JsonPayloadDecoder().CanDecode(contentType));
    }
}
