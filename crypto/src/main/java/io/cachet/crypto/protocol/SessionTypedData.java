package io.cachet.crypto.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.VerifyingKey;
import java.io.IOException;
import java.util.List;
import org.web3j.crypto.StructuredDataEncoder;

/**
 * An EVM session certificate as EIP-712 typed data: what a wallet shows and signs with
 * {@code eth_signTypedData_v4}, and the digest it signs (web3j's {@link StructuredDataEncoder}).
 *
 * <pre>
 * domain      EIP712Domain(string name,string version,uint256 chainId) = {"Cachet", "1", chainId}
 * primaryType CachetSession(address requester,bytes32 sessionKey,uint64 createdAtMillis,uint32 ttlSeconds,string audience)
 * </pre>
 *
 * The audience is the key-server ids joined by commas: ids cannot contain a comma
 * ({@code Names}), so the join is unambiguous, and a plain string hashes the same in every EIP-712
 * implementation and reads plainly in a wallet, where arrays do neither.
 */
public final class SessionTypedData {
  /** EIP-712 domain name. */
  public static final String DOMAIN_NAME = "Cachet";
  /** EIP-712 domain version; a change of the typed data bumps it. */
  public static final String DOMAIN_VERSION = "1";
  /** The primary type's name. */
  public static final String PRIMARY_TYPE = "CachetSession";
  /** What separates key-server ids in the {@code audience} string. */
  public static final String AUDIENCE_SEPARATOR = ",";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SessionTypedData() {}

  /** The typed data as {@code eth_signTypedData_v4} takes it. */
  public static String json(long chainId, Address requester, VerifyingKey sessionKey, long createdAtMillis,
      int ttlSeconds, List<String> audience) {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode types = root.putObject("types");
    ArrayNode domainType = types.putArray("EIP712Domain");
    field(domainType, "name", "string");
    field(domainType, "version", "string");
    field(domainType, "chainId", "uint256");
    ArrayNode session = types.putArray(PRIMARY_TYPE);
    field(session, "requester", "address");
    field(session, "sessionKey", "bytes32");
    field(session, "createdAtMillis", "uint64");
    field(session, "ttlSeconds", "uint32");
    field(session, "audience", "string");
    root.put("primaryType", PRIMARY_TYPE);
    ObjectNode domain = root.putObject("domain");
    domain.put("name", DOMAIN_NAME);
    domain.put("version", DOMAIN_VERSION);
    domain.put("chainId", chainId);
    ObjectNode message = root.putObject("message");
    message.put("requester", requester.evmHex());
    message.put("sessionKey", Hex.to0x(sessionKey.bytes()));
    message.put("createdAtMillis", createdAtMillis);
    message.put("ttlSeconds", ttlSeconds);
    message.put("audience", String.join(AUDIENCE_SEPARATOR, audience));
    return root.toString();
  }

  /** The 32-byte EIP-712 digest: {@code keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))}. */
  public static byte[] digest(long chainId, Address requester, VerifyingKey sessionKey, long createdAtMillis,
      int ttlSeconds, List<String> audience) {
    try {
      return new StructuredDataEncoder(json(chainId, requester, sessionKey, createdAtMillis, ttlSeconds, audience))
          .hashStructuredData();
    } catch (IOException e) {
      throw new IllegalStateException("EIP-712 typed data of a session certificate did not parse", e);
    }
  }

  private static void field(ArrayNode type, String name, String solidityType) {
    type.addObject().put("name", name).put("type", solidityType);
  }
}
