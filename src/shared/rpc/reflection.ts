import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescEnum, DescExtension, DescFile, DescMessage, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/**
 * Everything reflection can answer, built once from the described files and their transitive dependencies.
 * Keys are file names as written in `import` statements and fully-qualified symbol names without a leading dot.
 */
interface ReflectionIndex {
  readonly files: ReadonlyMap<string, DescFile>;
  readonly symbols: ReadonlyMap<string, DescFile>;
  readonly messages: ReadonlySet<string>;
  /** Extensions by the full name of the message they extend, then by field number. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<number, DescExtension>>;
  readonly services: readonly string[];
}

type ReflectionResponse = MessageInitShape<typeof v1.ServerReflectionResponseSchema>;

/** The fields every response repeats from its request. */
interface ResponseBase {
  readonly validHost: string;
  readonly originalRequest: v1.ServerReflectionRequest;
}

/**
 * Serves gRPC server reflection (`grpc.reflection.v1` and `grpc.reflection.v1alpha`) on a connect-node router,
 * so that tools such as `buf curl`, grpcurl and Postman can discover and call the API without local protos.
 *
 * The described schema is the union of `files` and the files of every service registered on the router when the
 * first reflection request arrives, so services registered after this call are still found. All transitive imports
 * (including well-known types) are resolvable too. `list_services` names the services registered on the router plus
 * the services declared in `files`; pass only files whose services are really served.
 */
export function registerReflection(router: ConnectRouter, files: readonly DescFile[] = []): void {
  // The index is built lazily because a `routes` function usually registers the real services after reflection.
  let index: ReflectionIndex | undefined;
  const encoded = new Map<string, Uint8Array>();
  const getIndex = (): ReflectionIndex => {
    index ??= buildIndex(files, router.handlers.map((handler) => handler.service));
    return index;
  };
  const encode = (file: DescFile): Uint8Array => {
    let bytes = encoded.get(file.proto.name);
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      encoded.set(file.proto.name, bytes);
    }
    return bytes;
  };

  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      // Files already sent on this stream; clients cache them, so each dependency travels once (as grpc-go does).
      const sent = new Set<string>();
      for await (const request of requests) {
        yield answer(getIndex(), request, sent, encode);
      }
    },
  });

  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) {
        // v1alpha and v1 are identical on the wire, so one implementation serves both through a binary round trip.
        const asV1 = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, request));
        const response = create(v1.ServerReflectionResponseSchema, answer(getIndex(), asV1, sent, encode));
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, response));
      }
    },
  });
}

function answer(
  index: ReflectionIndex,
  request: v1.ServerReflectionRequest,
  sent: Set<string>,
  encode: (file: DescFile) => Uint8Array,
): ReflectionResponse {
  const base: ResponseBase = { validHost: request.host, originalRequest: request };
  const withFile = (file: DescFile | undefined, what: string): ReflectionResponse =>
    file === undefined
      ? error(base, Code.NotFound, `${what} not found`)
      : {
          ...base,
          messageResponse: {
            case: "fileDescriptorResponse",
            value: { fileDescriptorProto: withDependencies(file, sent).map(encode) },
          },
        };

  const req = request.messageRequest;
  switch (req.case) {
    case "fileByFilename":
      return withFile(index.files.get(req.value), `file "${req.value}"`);
    case "fileContainingSymbol":
      return withFile(index.symbols.get(stripDot(req.value)), `symbol "${req.value}"`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = req.value;
      const extension = index.extensions.get(stripDot(containingType))?.get(extensionNumber);
      return withFile(extension?.file, `extension ${extensionNumber} of "${containingType}"`);
    }
    case "allExtensionNumbersOfType": {
      const typeName = stripDot(req.value);
      if (!index.messages.has(typeName)) {
        return error(base, Code.NotFound, `message type "${req.value}" not found`);
      }
      const numbers = [...(index.extensions.get(typeName)?.keys() ?? [])].sort((a, b) => a - b);
      return {
        ...base,
        messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: typeName, extensionNumber: numbers } },
      };
    }
    case "listServices":
      return {
        ...base,
        messageResponse: { case: "listServicesResponse", value: { service: index.services.map((name) => ({ name })) } },
      };
    case undefined:
      // An empty request is answered on the stream rather than failing it, so earlier answers stay usable.
      return error(base, Code.InvalidArgument, "the request sets none of the message_request fields");
  }
}

function error(base: ResponseBase, code: Code, message: string): ReflectionResponse {
  // Connect's codes are numbered exactly like gRPC status codes, which is what error_code carries.
  return { ...base, messageResponse: { case: "errorResponse", value: { errorCode: code, errorMessage: message } } };
}

/**
 * The requested file always comes first, even when it was sent before, because the client asked for it by name;
 * its transitive imports follow in breadth-first order and are skipped once the stream has carried them.
 */
function withDependencies(file: DescFile, sent: Set<string>): DescFile[] {
  const out: DescFile[] = [file];
  sent.add(file.proto.name);
  const seen = new Set<string>([file.proto.name]);
  const queue = [...file.dependencies];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const name = next.proto.name;
    if (seen.has(name)) continue;
    seen.add(name);
    if (!sent.has(name)) {
      sent.add(name);
      out.push(next);
    }
    queue.push(...next.dependencies);
  }
  return out;
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}

function buildIndex(roots: readonly DescFile[], served: readonly DescService[]): ReflectionIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescExtension>>();

  // The first file to claim a name wins, so an accidental duplicate cannot silently replace a served definition.
  const addSymbol = (name: string, file: DescFile): void => {
    if (!symbols.has(name)) symbols.set(name, file);
  };
  const addExtension = (extension: DescExtension): void => {
    addSymbol(extension.typeName, extension.file);
    const byNumber = extensions.get(extension.extendee.typeName) ?? new Map<number, DescExtension>();
    if (!byNumber.has(extension.number)) byNumber.set(extension.number, extension);
    extensions.set(extension.extendee.typeName, byNumber);
  };
  const addEnum = (descEnum: DescEnum): void => {
    addSymbol(descEnum.typeName, descEnum.file);
    // Enum values are scoped like siblings of their enum (C++ scoping rules), not as its children.
    const scope = descEnum.typeName.includes(".") ? descEnum.typeName.slice(0, descEnum.typeName.lastIndexOf(".") + 1) : "";
    for (const value of descEnum.values) addSymbol(scope + value.name, descEnum.file);
  };
  const addMessage = (message: DescMessage): void => {
    addSymbol(message.typeName, message.file);
    messages.add(message.typeName);
    for (const field of message.fields) addSymbol(`${message.typeName}.${field.name}`, message.file);
    for (const oneof of message.oneofs) addSymbol(`${message.typeName}.${oneof.name}`, message.file);
    message.nestedMessages.forEach(addMessage);
    message.nestedEnums.forEach(addEnum);
    message.nestedExtensions.forEach(addExtension);
  };
  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    for (const service of file.services) {
      addSymbol(service.typeName, file);
      for (const method of service.methods) addSymbol(`${service.typeName}.${method.name}`, file);
    }
    file.dependencies.forEach(addFile);
  };

  const reflectionFiles = [v1.file_grpc_reflection_v1_reflection, v1alpha.file_grpc_reflection_v1alpha_reflection];
  [...roots, ...reflectionFiles, ...served.map((service) => service.file)].forEach(addFile);

  const services = new Set<string>(served.map((service) => service.typeName));
  for (const file of roots) for (const service of file.services) services.add(service.typeName);
  for (const file of reflectionFiles) for (const service of file.services) services.add(service.typeName);
  return { files, symbols, messages, extensions, services: [...services].sort() };
}
