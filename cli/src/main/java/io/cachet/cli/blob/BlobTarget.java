package io.cachet.cli.blob;

import io.cachet.cli.Connection;
import io.cachet.cli.Ids;
import io.cachet.client.ClientConfig;
import io.cachet.storage.BlobId;
import java.io.IOException;

/**
 * The blob a command names (a blob id, or a share token) and the network to find it on: always
 * the person's own, as {@code get} does; a token naming another network is refused
 * ({@link TokenNetwork}).
 */
record BlobTarget(BlobId id, ClientConfig config) {
  static BlobTarget of(String text, Connection connection) throws IOException, UntrustedNetworkException {
    if (ShareToken.looksLikeToken(text)) {
      ShareToken token = ShareToken.decode(text);
      return new BlobTarget(Ids.blob(token.blobId()), TokenNetwork.choose(token, connection, false).config());
    }
    return new BlobTarget(Ids.blob(text), connection.config());
  }
}
