// DOMException (WebIDL), with the legacy codes and constants.
(function (H, P, load) {
  'use strict';
  const { Object, Error, String } = P;
  const names = ['IndexSizeError', 'DOMStringSizeError', 'HierarchyRequestError',
    'WrongDocumentError', 'InvalidCharacterError', 'NoDataAllowedError',
    'NoModificationAllowedError', 'NotFoundError', 'NotSupportedError', 'InUseAttributeError',
    'InvalidStateError', 'SyntaxError', 'InvalidModificationError', 'NamespaceError',
    'InvalidAccessError', 'ValidationError', 'TypeMismatchError', 'SecurityError',
    'NetworkError', 'AbortError', 'URLMismatchError', 'QuotaExceededError', 'TimeoutError',
    'InvalidNodeTypeError', 'DataCloneError'];
  const constants = ['INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR',
    'WRONG_DOCUMENT_ERR', 'INVALID_CHARACTER_ERR', 'NO_DATA_ALLOWED_ERR',
    'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR', 'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR',
    'INVALID_STATE_ERR', 'SYNTAX_ERR', 'INVALID_MODIFICATION_ERR', 'NAMESPACE_ERR',
    'INVALID_ACCESS_ERR', 'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR', 'NETWORK_ERR',
    'ABORT_ERR', 'URL_MISMATCH_ERR', 'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR',
    'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR'];
  const codes = { __proto__: null };
  for (let i = 0; i < names.length; i++) codes[names[i]] = i + 1;

  class DOMException extends Error {
    #name;
    #message;
    constructor(message = '', options = 'Error') {
      super();
      this.#message = String(message);
      if (options !== null && typeof options === 'object') {
        this.#name = 'name' in options ? String(options.name) : 'Error';
        if ('cause' in options) {
          Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true });
        }
      } else {
        this.#name = String(options);
      }
    }
    get name() {
      if (!(#name in this)) throw new P.TypeError('Illegal invocation');
      return this.#name;
    }
    get message() {
      if (!(#message in this)) throw new P.TypeError('Illegal invocation');
      return this.#message;
    }
    get code() {
      if (!(#name in this)) throw new P.TypeError('Illegal invocation');
      return codes[this.#name] || 0;
    }
  }
  for (let i = 0; i < constants.length; i++) {
    const d = { value: i + 1, enumerable: true };
    Object.defineProperty(DOMException, constants[i], d);
    Object.defineProperty(DOMException.prototype, constants[i], d);
  }
  Object.defineProperty(DOMException.prototype, P.Symbol.toStringTag,
                        { value: 'DOMException', configurable: true });
  return { __proto__: null, DOMException };
})
