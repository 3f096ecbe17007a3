{
  "targets": [
    {
      "target_name": "certno_seal",
      "sources": ["src/certno_seal.c"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "xcode_settings": {"OTHER_CFLAGS": ["-Wall", "-Wextra"]}
    }
  ]
}
