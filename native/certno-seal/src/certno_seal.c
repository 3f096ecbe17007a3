/*
 * certno_seal: AES-256-GCM + HMAC-SHA256 over a whole batch of 18-byte certnos in one call.
 *
 * Only OpenSSL is used for cryptography (the copy exported by the node binary, or the shared libcrypto a
 * distribution's node links); nothing here implements a cipher. What the addon saves is the per-row object
 * set-up of node:crypto: one EVP_CIPHER_CTX keeps the AES key schedule and only its IV changes per row, and
 * one EVP_MAC_CTX keeps the HMAC key and is re-initialised per row.
 *
 * JS API (wrapped by src/platform/certno-sealer.ts):
 *   new Sealer(encryptionKey: Uint8Array(32), blindIndexKey: Uint8Array(32))
 *   sealer.seal(certnos: Uint8Array(n*18), ivs: Uint8Array(n*12),
 *               sealedOut: Uint8Array(n*47), blindIndexOut: Uint8Array(n*32)): undefined
 * Row i of sealedOut is version(1) ‖ iv(12) ‖ tag(16) ‖ ciphertext(18), the layout of platform/crypto.ts
 * `encrypt`; row i of blindIndexOut is HMAC-SHA256(blindIndexKey, ASCII-uppercase(certno)), as `blindIndex`.
 * Every length is checked before anything is written; a byte >= 0x80 in a certno throws naming its row.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 32
#define CERTNO_BYTES 18
#define IV_BYTES 12
#define TAG_BYTES 16
#define VERSION_BYTE 1
#define HEADER_BYTES (1 + IV_BYTES + TAG_BYTES)
#define SEALED_BYTES (HEADER_BYTES + CERTNO_BYTES)
#define BLIND_INDEX_BYTES 32

typedef struct {
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *mac;
} sealer_t;

/* Marks objects made by this addon's constructor, so `seal.call(otherObject)` is refused. */
static const napi_type_tag SEALER_TAG = {0x9c1f0d2b5a4e4f17ULL, 0xb3a8e61d07c24f59ULL};

#define NAPI_CALL(env, call)                                  \
  do {                                                        \
    if ((call) != napi_ok) {                                  \
      throw_napi_error(env, #call);                           \
      return NULL;                                            \
    }                                                         \
  } while (0)

static void throw_napi_error(napi_env env, const char *what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  char message[256];
  napi_get_last_error_info(env, &info);
  snprintf(message, sizeof message, "certno_seal: %s failed: %s", what,
           info != NULL && info->error_message != NULL ? info->error_message : "unknown N-API error");
  napi_throw_error(env, NULL, message);
}

static void sealer_free(sealer_t *s) {
  if (s == NULL) return;
  EVP_CIPHER_CTX_free(s->cipher); /* both free functions cleanse key material and accept NULL */
  EVP_MAC_CTX_free(s->mac);
  free(s);
}

static void sealer_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sealer_free((sealer_t *)data);
}

/* A Uint8Array (Buffer included) argument: its bytes and length, or a TypeError naming it. */
static bool get_bytes(napi_env env, napi_value value, const char *name, uint8_t **data, size_t *length) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char message[128];
    snprintf(message, sizeof message, "certno_seal: %s must be a Buffer or Uint8Array", name);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  *data = (uint8_t *)raw;
  if (*data == NULL && *length != 0) {
    napi_throw_error(env, NULL, "certno_seal: detached buffer");
    return false;
  }
  return true;
}

static bool overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  if (alen == 0 || blen == 0) return false;
  uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
  return a0 < b0 + blen && b0 < a0 + alen;
}

static napi_value throw_openssl(napi_env env, const char *what) {
  char message[128];
  snprintf(message, sizeof message, "certno_seal: OpenSSL %s failed", what);
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* new Sealer(encryptionKey, blindIndexKey) */
static napi_value sealer_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value self;
  napi_value new_target;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  NAPI_CALL(env, napi_get_new_target(env, info, &new_target));
  if (new_target == NULL) {
    napi_throw_type_error(env, NULL, "certno_seal: Sealer must be called with new");
    return NULL;
  }
  if (argc != 2) {
    napi_throw_type_error(env, NULL, "certno_seal: Sealer(encryptionKey, blindIndexKey)");
    return NULL;
  }
  uint8_t *enc_key, *bi_key;
  size_t enc_len, bi_len;
  if (!get_bytes(env, argv[0], "encryptionKey", &enc_key, &enc_len)) return NULL;
  if (!get_bytes(env, argv[1], "blindIndexKey", &bi_key, &bi_len)) return NULL;
  if (enc_len != KEY_BYTES || bi_len != KEY_BYTES) {
    napi_throw_range_error(env, NULL, "certno_seal: keys must be 32 bytes");
    return NULL;
  }

  sealer_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    napi_throw_error(env, NULL, "certno_seal: out of memory");
    return NULL;
  }
  s->cipher = EVP_CIPHER_CTX_new();
  if (s->cipher == NULL ||
      EVP_EncryptInit_ex(s->cipher, EVP_aes_256_gcm(), NULL, enc_key, NULL) != 1 ||
      EVP_CIPHER_CTX_get_iv_length(s->cipher) != IV_BYTES) {
    sealer_free(s);
    return throw_openssl(env, "AES-256-GCM set-up");
  }
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (hmac != NULL) s->mac = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac); /* the context keeps its own reference */
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (s->mac == NULL || EVP_MAC_init(s->mac, bi_key, KEY_BYTES, params) != 1 ||
      EVP_MAC_CTX_get_mac_size(s->mac) != BLIND_INDEX_BYTES) {
    sealer_free(s);
    return throw_openssl(env, "HMAC-SHA256 set-up");
  }

  if (napi_wrap(env, self, s, sealer_finalize, NULL, NULL) != napi_ok) {
    sealer_free(s);
    throw_napi_error(env, "napi_wrap");
    return NULL;
  }
  NAPI_CALL(env, napi_type_tag_object(env, self, &SEALER_TAG));
  return self;
}

/* sealer.seal(certnos, ivs, sealedOut, blindIndexOut) */
static napi_value sealer_seal(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_value self;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  bool tagged = false;
  NAPI_CALL(env, napi_check_object_type_tag(env, self, &SEALER_TAG, &tagged));
  sealer_t *s = NULL;
  if (!tagged || napi_unwrap(env, self, (void **)&s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, NULL, "certno_seal: seal() called on something that is not a Sealer");
    return NULL;
  }
  if (argc != 4) {
    napi_throw_type_error(env, NULL, "certno_seal: seal(certnos, ivs, sealedOut, blindIndexOut)");
    return NULL;
  }
  uint8_t *certnos, *ivs, *sealed, *bidx;
  size_t certnos_len, ivs_len, sealed_len, bidx_len;
  if (!get_bytes(env, argv[0], "certnos", &certnos, &certnos_len)) return NULL;
  if (!get_bytes(env, argv[1], "ivs", &ivs, &ivs_len)) return NULL;
  if (!get_bytes(env, argv[2], "sealedOut", &sealed, &sealed_len)) return NULL;
  if (!get_bytes(env, argv[3], "blindIndexOut", &bidx, &bidx_len)) return NULL;

  if (certnos_len % CERTNO_BYTES != 0) {
    napi_throw_range_error(env, NULL, "certno_seal: certnos length must be a multiple of 18");
    return NULL;
  }
  size_t count = certnos_len / CERTNO_BYTES;
  /* count <= SIZE_MAX / 18, so count * 47 could overflow only for absurd sizes: compare by division. */
  if (ivs_len / IV_BYTES != count || ivs_len % IV_BYTES != 0 || sealed_len / SEALED_BYTES != count ||
      sealed_len % SEALED_BYTES != 0 || bidx_len / BLIND_INDEX_BYTES != count ||
      bidx_len % BLIND_INDEX_BYTES != 0) {
    napi_throw_range_error(env, NULL,
                           "certno_seal: for n certnos, ivs must be n*12 bytes, sealedOut n*47, "
                           "blindIndexOut n*32");
    return NULL;
  }
  if (overlaps(sealed, sealed_len, bidx, bidx_len) || overlaps(sealed, sealed_len, certnos, certnos_len) ||
      overlaps(sealed, sealed_len, ivs, ivs_len) || overlaps(bidx, bidx_len, certnos, certnos_len) ||
      overlaps(bidx, bidx_len, ivs, ivs_len)) {
    napi_throw_range_error(env, NULL, "certno_seal: output buffers must not overlap each other or the inputs");
    return NULL;
  }
  for (size_t i = 0; i < certnos_len; i++) {
    if (certnos[i] >= 0x80) {
      char message[96];
      snprintf(message, sizeof message, "certno_seal: certno at index %zu is not ASCII", i / CERTNO_BYTES);
      napi_throw_range_error(env, NULL, message);
      return NULL;
    }
  }

  for (size_t i = 0; i < count; i++) {
    const uint8_t *plain = certnos + i * CERTNO_BYTES;
    const uint8_t *iv = ivs + i * IV_BYTES;
    uint8_t *row = sealed + i * SEALED_BYTES;
    int out_len = 0, final_len = 0;
    row[0] = VERSION_BYTE;
    memcpy(row + 1, iv, IV_BYTES);
    if (EVP_EncryptInit_ex(s->cipher, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(s->cipher, row + HEADER_BYTES, &out_len, plain, CERTNO_BYTES) != 1 ||
        out_len != CERTNO_BYTES ||
        EVP_EncryptFinal_ex(s->cipher, row + HEADER_BYTES + CERTNO_BYTES, &final_len) != 1 ||
        final_len != 0 ||
        EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, row + 1 + IV_BYTES) != 1) {
      return throw_openssl(env, "AES-256-GCM encryption");
    }

    /* blindIndex() hashes value.toUpperCase(); for ASCII that changes a-z only. */
    uint8_t upper[CERTNO_BYTES];
    for (size_t j = 0; j < CERTNO_BYTES; j++) {
      uint8_t c = plain[j];
      upper[j] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - ('a' - 'A')) : c;
    }
    size_t mac_len = 0;
    if (EVP_MAC_init(s->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(s->mac, upper, CERTNO_BYTES) != 1 ||
        EVP_MAC_final(s->mac, bidx + i * BLIND_INDEX_BYTES, &mac_len, BLIND_INDEX_BYTES) != 1 ||
        mac_len != BLIND_INDEX_BYTES) {
      return throw_openssl(env, "HMAC-SHA256");
    }
  }
  return NULL; /* undefined */
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor methods[] = {
      {"seal", NULL, sealer_seal, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value ctor, value;
  NAPI_CALL(env, napi_define_class(env, "Sealer", NAPI_AUTO_LENGTH, sealer_new, NULL,
                                   sizeof methods / sizeof methods[0], methods, &ctor));
  NAPI_CALL(env, napi_set_named_property(env, exports, "Sealer", ctor));
#define EXPORT_NUMBER(name, number)                                  \
  NAPI_CALL(env, napi_create_uint32(env, (uint32_t)(number), &value)); \
  NAPI_CALL(env, napi_set_named_property(env, exports, name, value))
  EXPORT_NUMBER("CERTNO_BYTES", CERTNO_BYTES);
  EXPORT_NUMBER("IV_BYTES", IV_BYTES);
  EXPORT_NUMBER("SEALED_BYTES", SEALED_BYTES);
  EXPORT_NUMBER("BLIND_INDEX_BYTES", BLIND_INDEX_BYTES);
  return exports;
}
