using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Storage;

/// <summary>
/// How the stores write <see cref="PublishingPointSettings"/>: JSON with camelCase names, enums as their names and
/// time spans as <c>hh:mm:ss</c>, indented so an operator can read a file. Reading is lenient about what is missing
/// (the record's defaults apply) and strict about what is wrong.
/// </summary>
internal static class PublishingPointSettingsJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] SerializeToUtf8Bytes(PublishingPointSettings settings) => JsonSerializer.SerializeToUtf8Bytes(settings, Options);

    public static string Serialize(PublishingPointSettings settings) => JsonSerializer.Serialize(settings, Options);

    /// <summary>Reads settings; false, with the reason, when the JSON is malformed, null or holds settings that fail <see cref="PublishingPointSettings.Validate"/>.</summary>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out PublishingPointSettings? settings, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            return Check(JsonSerializer.Deserialize<PublishingPointSettings>(utf8Json, Options), out settings, out problem);
        }
        catch (JsonException ex)
        {
            settings = null;
            problem = ex.Message;
            return false;
        }
    }

    /// <inheritdoc cref="TryDeserialize(ReadOnlySpan{byte}, out PublishingPointSettings?, out string?)"/>
    public static bool TryDeserialize(string json, [NotNullWhen(true)] out PublishingPointSettings? settings, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            return Check(JsonSerializer.Deserialize<PublishingPointSettings>(json, Options), out settings, out problem);
        }
        catch (JsonException ex)
        {
            settings = null;
            problem = ex.Message;
            return false;
        }
    }

    private static bool Check(PublishingPointSettings? read, [NotNullWhen(true)] out PublishingPointSettings? settings, [NotNullWhen(false)] out string? problem)
    {
        problem = read is null ? "it holds null instead of settings" : read.Validate();
        settings = problem is null ? read : null;
        return settings is not null;
    }
}
