// A tiny OkHttp client for tests/test_okhttp_real.py: does real OkHttp (Debian's libokhttp-java, 3.13)
// connect to a host with a CertificatePinner, and if not, what does it say?
//
// Run it from source (no class files are written):
//   java -cp /usr/share/java/okhttp.jar:/usr/share/java/okio.jar PinCheck.java \
//        HOST PORT ROOTS.pem [PATTERN PIN]...
//   java -cp ... PinCheck.java --cases CASES.tsv
//   java -cp ... PinCheck.java --subjects CERTS.pem   (each subject as OkHttp's message prints it)
// A cases file holds one case a line, tab-separated: ID HOST PORT ROOTS.pem [PATTERN PIN]...; the output is
// one line a case, "ID<TAB>RESULT". RESULT is one of
//   OK                  the TLS handshake and the pin check passed (any HTTP status);
//   PINNING <message>   CertificatePinner refused the chain (the SSLPeerUnverifiedException's message);
//   TLS <message>       the handshake or the host name check failed first;
//   CONFIG <message>    CertificatePinner.Builder.add() refused a pattern or a pin.
// Newlines in a message are written as the two characters \n, so every result is one line.
// Every host name resolves to 127.0.0.1 (a custom Dns), so the URL can name https://api.yourapp.com:PORT/.
// The only trust anchors are the certificates in ROOTS.pem (the JDK's own store is not used).

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.CertificatePinner;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

public class PinCheck {
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--cases")) {
      for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
        if (line.isEmpty()) continue;
        String[] fields = line.split("\t", -1);
        String result = check(Arrays.copyOfRange(fields, 1, fields.length));
        System.out.println(fields[0] + "\t" + result);
      }
    } else if (args.length == 2 && args[0].equals("--subjects")) {
      try (InputStream in = new FileInputStream(args[1])) {
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          System.out.println(oneLine(((X509Certificate) cert).getSubjectDN().getName()));
        }
      }
    } else if (args.length >= 3 && args.length % 2 == 1) {
      System.out.println(check(args));
    } else {
      System.err.println(
          "usage: PinCheck HOST PORT ROOTS.pem [PATTERN PIN]... | --cases FILE | --subjects PEM");
      System.exit(2);
    }
  }

  /** host, port, roots.pem, then pattern/pin pairs: the one-line result. */
  static String check(String[] args) {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    CertificatePinner pinner;
    try {
      CertificatePinner.Builder builder = new CertificatePinner.Builder();
      for (int i = 3; i + 1 < args.length; i += 2) {
        builder.add(args[i], args[i + 1]);
      }
      pinner = builder.build();
    } catch (RuntimeException e) {
      return "CONFIG " + oneLine(e.getMessage());
    }
    try {
      X509TrustManager trust = trustManager(args[2]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      OkHttpClient client = new OkHttpClient.Builder()
          .sslSocketFactory(context.getSocketFactory(), trust)
          .certificatePinner(pinner)
          .dns(new Loopback())
          .connectTimeout(5, TimeUnit.SECONDS)
          .readTimeout(5, TimeUnit.SECONDS)
          .build();
      Request request = new Request.Builder().url("https://" + host + ":" + port + "/users").build();
      try (Response response = client.newCall(request).execute()) {
        return "OK";
      } finally {
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
      }
    } catch (SSLPeerUnverifiedException e) {
      String message = String.valueOf(e.getMessage());
      return (message.startsWith("Certificate pinning failure!") ? "PINNING " : "TLS ") + oneLine(message);
    } catch (Exception e) {
      return "TLS " + oneLine(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** A trust manager whose only anchors are the certificates in a PEM file. */
  static X509TrustManager trustManager(String pemPath) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = new FileInputStream(pemPath)) {
      int n = 0;
      for (Certificate cert : factory.generateCertificates(in)) {
        store.setCertificateEntry("root" + n++, cert);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }

  static String oneLine(String text) {
    return String.valueOf(text).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
  }

  /** Every name is 127.0.0.1, like a phone whose DNS points at this laptop. */
  static final class Loopback implements Dns {
    @Override public List<InetAddress> lookup(String hostname) {
      return Collections.singletonList(InetAddress.getLoopbackAddress());
    }
  }
}
