import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Open a case on a Tongban node from Java 17, signing with an official's key held here.
 *
 * prepare -> check the bytes -> sign -> submit -> wait until final -> fetch the case report.
 * Standard library only (java.security Ed25519, java.net.http) plus Gson for JSON (Debian libgoogle-gson-java).
 *
 *   javac -cp /usr/share/java/gson.jar -d out TongbanExample.java
 *   java -cp out:/usr/share/java/gson.jar TongbanExample --node http://127.0.0.1:8101 --key zz.cw.key \
 *        --network <64-hex network id> --member ha-zhengzhou --handler ha-zhengzhou --serial ZZ-2026-0001
 *
 * --network and --member are what you trust (your consortium's network id, the member whose node you
 * write to); the node's answer is checked against them. Prints the case report (JSON) on stdout; exits 1
 * on any error, naming it on stderr.
 */
public final class TongbanExample {
  /** The actor signs this prefix followed by SHA-256 of the request bytes (PROTOCOL.md 5.3). */
  static final byte[] SIGN_PREFIX = "tongban/v1/request\0".getBytes(StandardCharsets.UTF_8);
  /** The applicant commitment's prefix (CASES.md C.3). */
  static final byte[] APPLICANT_PREFIX = "tongban/v1/applicant\0".getBytes(StandardCharsets.UTF_8);
  /** How far the request time the node chose may be from our clock (PROTOCOL.md 9). */
  static final long MAX_SKEW_MS = 5 * 60 * 1000;
  static final HexFormat HEX = HexFormat.of();

  static final class ExampleError extends Exception {
    private static final long serialVersionUID = 1L;

    ExampleError(String message) {
      super(message);
    }
  }

  public static void main(String[] argv) {
    try {
      run(args(argv));
    } catch (ExampleError e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      System.err.println("error: " + e);
      System.exit(1);
    }
  }

  static Map<String, String> args(String[] argv) throws ExampleError {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) throw new ExampleError("unexpected argument " + argv[i]);
      a.put(argv[i].substring(2), argv[i + 1]);
    }
    for (String need : List.of("node", "key", "network", "member", "handler", "serial")) {
      if (!a.containsKey(need)) throw new ExampleError("--" + need + " is required");
    }
    return a;
  }

  static void run(Map<String, String> a) throws Exception {
    String node = a.get("node").replaceAll("/+$", "");
    JsonObject keyFile = readKeyFile(Path.of(a.get("key")));
    String actor = keyFile.get("id").getAsString();
    PrivateKey key = privateKey(HEX.parseHex(keyFile.get("seed").getAsString()));
    PublicKey pub = publicKey(HEX.parseHex(keyFile.get("pub").getAsString()));

    // The case.open body (CASES.md C.3). The applicant is a salted commitment: the ID number never leaves here.
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    byte[] applicant = sha256(concat(APPLICANT_PREFIX, salt, "111:41010219900101123X".getBytes(StandardCharsets.UTF_8)));
    byte[] form = sha256("application form".getBytes(StandardCharsets.UTF_8));
    Map<String, Object> material = new LinkedHashMap<>();
    material.put("name", "申请表");
    material.put("doc", form);
    material.put("form", "electronic");
    material.put("original", true);
    Map<String, Object> limit = new LinkedHashMap<>();
    limit.put("days", 20L);
    limit.put("calendar", "working");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("item", "11410100MB1234567X4000111001");
    body.put("name", "道路运输经营许可");
    body.put("mode", "online");
    body.put("serial", a.get("serial"));
    body.put("applicant", applicant);
    body.put("handlers", List.of(a.get("handler")));
    body.put("limit", limit);
    body.put("materials", List.of(material));

    // 1. prepare: JSON in (byte fields as lowercase hex), canonical request bytes out
    JsonObject prep = new JsonObject();
    prep.addProperty("kind", "case.open");
    prep.add("body", toJson(body));
    prep.addProperty("actor", actor);
    JsonObject answer = call("POST", node + "/v1/requests/prepare", prep).getAsJsonObject();

    // 2. check the bytes before signing them
    byte[] raw = Base64.getDecoder().decode(answer.get("request").getAsString());
    byte[] message = checkPrepared(raw, answer, HEX.parseHex(a.get("network")), a.get("member"), "case.open", body);

    // 3. sign with the key held here (a keystore or HSM signs `message` the same way: Ed25519, the message as is)
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(key);
    signer.update(message);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(pub);
    verifier.update(message);
    if (!verifier.verify(sig)) throw new ExampleError("key file: pub does not match seed");

    // 4. submit, letting the node answer once the record is final (202 if the wait ran out: it is stored)
    JsonObject sub = new JsonObject();
    sub.addProperty("request", Base64.getEncoder().encodeToString(raw));
    sub.addProperty("actor", actor);
    sub.addProperty("sig", Base64.getEncoder().encodeToString(sig));
    JsonObject created = call("POST", node + "/v1/records?wait=final&timeoutMs=60000", sub).getAsJsonObject();
    String id = created.get("id").getAsString();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!"final".equals(created.get("state").getAsString())) {
      if (System.currentTimeMillis() > deadline) throw new ExampleError("record " + id + " is not final yet (it is stored)");
      Thread.sleep(500);
      created = call("GET", node + "/v1/records/" + id, null).getAsJsonObject();
    }
    System.err.println("record " + id + " is final");

    // 5. the case report (CASES.md C.6); the case id is the id of its case.open record
    JsonElement report = call("GET", node + "/v1/cases/" + id, null);
    JsonObject out = new JsonObject();
    out.addProperty("record", id);
    out.addProperty("salt", HEX.formatHex(salt));
    out.add("report", report);
    Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();
    System.out.println(gson.toJson(out));
  }

  /** The CLI's actor key file: JSON {type, kind, id, seed, pub}, readable by its owner only. */
  static JsonObject readKeyFile(Path path) throws Exception {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) throw new ExampleError("key file " + path + " is readable by others (chmod 600 it)");
    }
    JsonObject k = JsonParser.parseString(Files.readString(path)).getAsJsonObject();
    if (!"tongban-key/v1".equals(str(k, "type")) || !"actor".equals(str(k, "kind")) || str(k, "id") == null || str(k, "pub") == null) {
      throw new ExampleError(path + " is not an actor key file of the tongban CLI");
    }
    return k;
  }

  static String str(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
  }

  static PrivateKey privateKey(byte[] seed) throws Exception {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
  }

  /** An Ed25519 public key from its 32 bytes (RFC 8032: y little-endian, the top bit is x's parity). */
  static PublicKey publicKey(byte[] raw) throws Exception {
    byte[] be = new byte[raw.length];
    for (int i = 0; i < raw.length; i++) be[i] = raw[raw.length - 1 - i];
    boolean xOdd = (be[0] & 0x80) != 0;
    be[0] &= 0x7f;
    return KeyFactory.getInstance("Ed25519").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
  }

  /**
   * Decode the prepared bytes and compare every field with what we asked for; recompute the digest and
   * the message to sign from the bytes themselves. Throws naming the first field that differs.
   */
  static byte[] checkPrepared(byte[] raw, JsonObject answer, byte[] net, String member, String kind, Map<String, Object> body) throws Exception {
    Cbor.Reader r = new Cbor.Reader(raw);
    Object decoded = r.read();
    if (!r.atEnd() || !Arrays.equals(Cbor.encode(decoded), raw)) throw new ExampleError("prepared request is not canonical CBOR");
    if (!(decoded instanceof Map)) throw new ExampleError("prepared request is not a map");
    @SuppressWarnings("unchecked")
    Map<String, Object> req = (Map<String, Object>) decoded;
    if (!Set.of("v", "net", "author", "kind", "body", "nonce", "at").containsAll(req.keySet())) throw new ExampleError("prepared request has other fields: " + req.keySet());
    long now = System.currentTimeMillis();
    Object at = req.get("at");
    Object nonce = req.get("nonce");
    String bad = !Long.valueOf(1).equals(req.get("v")) ? "v"
        : !(req.get("net") instanceof byte[] n && Arrays.equals(n, net)) ? "net"
        : !member.equals(req.get("author")) ? "author"
        : !kind.equals(req.get("kind")) ? "kind"
        : !Arrays.equals(Cbor.encode(req.get("body")), Cbor.encode(body)) ? "body"
        : !(nonce instanceof byte[] nb && nb.length == 16) ? "nonce"
        : !(at instanceof Long t && Math.abs(t - now) <= MAX_SKEW_MS) ? "at"
        : null;
    if (bad != null) throw new ExampleError("prepared request " + bad + " is not what was asked for: not signing it");
    byte[] digest = sha256(raw);
    if (!HEX.formatHex(digest).equals(answer.get("digest").getAsString())) throw new ExampleError("prepared digest is not the SHA-256 of the request bytes: not signing it");
    return concat(SIGN_PREFIX, digest);
  }

  /** A body as the prepare route takes it: byte strings as lowercase hex. */
  static JsonElement toJson(Object v) {
    if (v instanceof byte[] b) return new com.google.gson.JsonPrimitive(HEX.formatHex(b));
    if (v instanceof String s) return new com.google.gson.JsonPrimitive(s);
    if (v instanceof Long n) return new com.google.gson.JsonPrimitive(n);
    if (v instanceof Boolean b) return new com.google.gson.JsonPrimitive(b);
    if (v instanceof List<?> l) {
      JsonArray arr = new JsonArray();
      for (Object x : l) arr.add(toJson(x));
      return arr;
    }
    JsonObject o = new JsonObject();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) o.add((String) e.getKey(), toJson(e.getValue()));
    return o;
  }

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** JSON over HTTP; a node's refusal becomes an ExampleError naming its code (and field). */
  static JsonElement call(String method, String url, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90));
    // A secured node: an API token with the write scope (tongban token create), from env TONGBAN_TOKEN.
    String token = System.getenv("TONGBAN_TOKEN");
    if (token != null && !token.isEmpty()) b.header("authorization", "Bearer " + token);
    if (body != null) b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    else b.method(method, HttpRequest.BodyPublishers.noBody());
    HttpResponse<String> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonElement json = JsonParser.parseString(res.body().isEmpty() ? "{}" : res.body());
    if (res.statusCode() >= 300) {
      JsonObject e = json.getAsJsonObject();
      String field = e.has("field") ? " (field " + e.get("field").getAsString() + ")" : "";
      throw new ExampleError(method + " " + url + ": " + res.statusCode() + " " + str(e, "code") + ": " + str(e, "message") + field);
    }
    return json;
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  /**
   * The CBOR the request uses (RFC 8949): unsigned integers, byte and text strings, arrays, maps with text
   * keys, booleans, null. Canonical: shortest lengths, map keys by length then bytewise (PROTOCOL.md 2).
   */
  static final class Cbor {
    static byte[] encode(Object v) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      write(out, v);
      return out.toByteArray();
    }

    static void head(ByteArrayOutputStream out, int major, long n) {
      int m = major << 5;
      if (n < 24) out.write(m | (int) n);
      else if (n < 0x100) {
        out.write(m | 24);
        out.write((int) n);
      } else if (n < 0x10000) {
        out.write(m | 25);
        for (int s = 8; s >= 0; s -= 8) out.write((int) (n >>> s) & 0xff);
      } else if (n < 0x100000000L) {
        out.write(m | 26);
        for (int s = 24; s >= 0; s -= 8) out.write((int) (n >>> s) & 0xff);
      } else {
        out.write(m | 27);
        for (int s = 56; s >= 0; s -= 8) out.write((int) (n >>> s) & 0xff);
      }
    }

    static void write(ByteArrayOutputStream out, Object v) {
      if (v instanceof Long n) {
        if (n < 0) throw new IllegalArgumentException("negative integers are not used here");
        head(out, 0, n);
      } else if (v instanceof byte[] b) {
        head(out, 2, b.length);
        out.writeBytes(b);
      } else if (v instanceof String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(out, 3, b.length);
        out.writeBytes(b);
      } else if (v instanceof List<?> l) {
        head(out, 4, l.size());
        for (Object x : l) write(out, x);
      } else if (v instanceof Map<?, ?> m) {
        TreeMap<byte[], Object> sorted = new TreeMap<>((x, y) -> x.length != y.length ? x.length - y.length : Arrays.compareUnsigned(x, y));
        for (Map.Entry<?, ?> e : m.entrySet()) sorted.put(((String) e.getKey()).getBytes(StandardCharsets.UTF_8), e.getValue());
        head(out, 5, sorted.size());
        for (Map.Entry<byte[], Object> e : sorted.entrySet()) {
          head(out, 3, e.getKey().length);
          out.writeBytes(e.getKey());
          write(out, e.getValue());
        }
      } else if (v instanceof Boolean b) out.write(b ? 0xf5 : 0xf4);
      else if (v == null) out.write(0xf6);
      else throw new IllegalArgumentException("cannot encode " + v.getClass());
    }

    static final class Reader {
      final byte[] b;
      int i = 0;

      Reader(byte[] b) {
        this.b = b;
      }

      boolean atEnd() {
        return i == b.length;
      }

      int u8() throws ExampleError {
        if (i >= b.length) throw new ExampleError("CBOR ends early");
        return b[i++] & 0xff;
      }

      long arg(int info) throws ExampleError {
        if (info < 24) return info;
        int len = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : -1;
        if (len < 0) throw new ExampleError("CBOR: indefinite or reserved length");
        long n = 0;
        for (int k = 0; k < len; k++) n = (n << 8) | u8();
        if (n < 0) throw new ExampleError("CBOR: integer too large");
        return n;
      }

      Object read() throws ExampleError {
        int ib = u8();
        int major = ib >> 5;
        int info = ib & 31;
        if (major == 7) {
          if (info == 20) return false;
          if (info == 21) return true;
          if (info == 22) return null;
          throw new ExampleError("CBOR: unsupported simple value");
        }
        long n = arg(info);
        switch (major) {
          case 0:
            return n;
          case 2:
          case 3: {
            if (n > b.length - i) throw new ExampleError("CBOR ends early");
            byte[] s = Arrays.copyOfRange(b, i, i + (int) n);
            i += (int) n;
            return major == 2 ? s : new String(s, StandardCharsets.UTF_8);
          }
          case 4: {
            List<Object> l = new ArrayList<>();
            for (long k = 0; k < n; k++) l.add(read());
            return l;
          }
          case 5: {
            Map<String, Object> m = new LinkedHashMap<>();
            for (long k = 0; k < n; k++) {
              Object key = read();
              if (!(key instanceof String s) || m.containsKey(s)) throw new ExampleError("CBOR: map key not text or repeated");
              m.put(s, read());
            }
            return m;
          }
          default:
            throw new ExampleError("CBOR: unsupported major type " + major);
        }
      }
    }
  }
}
