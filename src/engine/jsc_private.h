/* The JavaScriptCore entry points that the library exports but declares only in WebKit's
 * private headers (JSContextRefPrivate.h, JSObjectRefPrivate.h, JSBasePrivate.h,
 * JSScriptRefPrivate.h, JSStringRefPrivate.h). Declared here and nowhere else (STYLE.md,
 * point 6). */
#ifndef DW_ENGINE_JSC_PRIVATE_H
#define DW_ENGINE_JSC_PRIVATE_H

#include <JavaScriptCore/JavaScript.h>

typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void *context);
typedef void (*JSHeapFinalizer)(JSContextGroupRef group, void *userData);

/* Arms the watchdog: `callback` runs on the JS thread once the current VM entry has used
 * `limit` seconds of CPU; returning true terminates the running script. */
JS_EXPORT void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit,
                                                   JSShouldTerminateCallback callback,
                                                   void *context);
JS_EXPORT void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);
JS_EXPORT void JSContextGroupAddHeapFinalizer(JSContextGroupRef group, JSHeapFinalizer finalizer,
                                              void *userData);
JS_EXPORT void JSContextGroupRemoveHeapFinalizer(JSContextGroupRef group,
                                                 JSHeapFinalizer finalizer, void *userData);
/* An object with heapSize, heapCapacity, extraMemorySize, objectCount, ... */
JS_EXPORT JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);
JS_EXPORT void JSGlobalContextSetEvalEnabled(JSGlobalContextRef ctx, bool enabled,
                                             JSStringRef message);
JS_EXPORT void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx,
                                                            JSObjectRef function,
                                                            JSValueRef *exception);
/* A string that references `chars` instead of copying them: they must outlive every use of
 * the string, including the code the engine compiles from it (JSStringRefPrivate.h). */
JS_EXPORT JSStringRef JSStringCreateWithCharactersNoCopy(const JSChar *chars, size_t numChars);
/* A parsed script of one VM (JSScriptRefPrivate.h): evaluating it again, in any realm of that
 * VM, neither copies nor rehashes its text. NULL with *errorMessage on a syntax error. */
typedef struct OpaqueJSScript *JSScriptRef;
JS_EXPORT JSScriptRef JSScriptCreateFromString(JSContextGroupRef contextGroup, JSStringRef url,
                                               int startingLineNumber, JSStringRef source,
                                               JSStringRef *errorMessage, int *errorLine);
JS_EXPORT void JSScriptRelease(JSScriptRef script);
JS_EXPORT JSValueRef JSScriptEvaluate(JSContextRef ctx, JSScriptRef script, JSValueRef thisValue,
                                      JSValueRef *exception);
/* Weak references (JSWeakPrivate.h): JSWeakGetObject is NULL once the object was collected,
 * from the end of the collection that found it dead (not when its memory is swept). */
typedef const struct OpaqueJSWeak *JSWeakRef;
JS_EXPORT JSWeakRef JSWeakCreate(JSContextGroupRef group, JSObjectRef object);
JS_EXPORT void JSWeakRelease(JSContextGroupRef group, JSWeakRef weak);
JS_EXPORT JSObjectRef JSWeakGetObject(JSWeakRef weak);
/* A private property of an object made with a JSClass (JSObjectRefPrivate.h): traced by the
 * collector, invisible to JS (no name can reach it). False for other objects. */
JS_EXPORT bool JSObjectSetPrivateProperty(JSContextRef ctx, JSObjectRef object,
                                          JSStringRef propertyName, JSValueRef value);
JS_EXPORT void JSReportExtraMemoryCost(JSContextRef ctx, size_t size);
JS_EXPORT void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);

#endif
