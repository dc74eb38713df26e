using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ControlPlane.Api;

/// <summary>The formats a request body may have.</summary>
internal enum BodyFormat
{
    Json,
    Yaml,
}

/// <summary>Reads a request body: checks its content type, enforces the size limit and decodes UTF-8.</summary>
internal sealed class RequestBody(IOptions<OperatorApiOptions> options)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task<(string Text, BodyFormat Format, ApiProblem? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (FormatOf(request.ContentType) is not { } format)
        {
            var problem = new ApiProblem(StatusCodes.Status415UnsupportedMediaType,
                [new("Content-Type", $"must be application/json or application/yaml, not '{request.ContentType}'")]);
            return ("", default, problem);
        }

        var limit = options.Value.MaxRequestBodyBytes;
        var bytes = await ReadLimitedAsync(request, limit, cancellationToken);
        if (bytes is null)
        {
            var problem = new ApiProblem(StatusCodes.Status413PayloadTooLarge,
                [new("body", $"is larger than the limit of {limit} bytes (ControlPlane:MaxRequestBodyBytes)")]);
            return ("", format, problem);
        }

        try
        {
            return (StrictUtf8.GetString(bytes), format, null);
        }
        catch (DecoderFallbackException)
        {
            return ("", format, ApiProblem.Invalid("body", "is not valid UTF-8"));
        }
    }

    private static BodyFormat? FormatOf(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return null;
        }

        return mediaType.MediaType.Value?.ToLowerInvariant() switch
        {
            "application/json" => BodyFormat.Json,
            "application/yaml" or "application/x-yaml" or "text/yaml" => BodyFormat.Yaml,
            _ => null,
        };
    }

    /// <summary>Returns the body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // Kestrel's own limit must not cut the body short before this reader sees it is too long.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body has no Content-Length, so Kestrel's limit is the first check to reject it.
            return null;
        }

        return buffer.ToArray();
    }
}
