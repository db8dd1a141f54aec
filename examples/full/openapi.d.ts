/**
 * TypeScript types of the OpenAPI document "express-platform-kit full example" 1.0.0, written by
 * `platform-kit openapi --types` (openapi-typescript). Do not edit: regenerate.
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The service is up */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The authenticated user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller, from the JWT */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Me"];
                    };
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage statistics (admins only) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Counts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminStats"];
                    };
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                403: components["responses"]["HTTP403ForbiddenError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/graphs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List my graphs */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    offset?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of graphs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Graph"][];
                            total: number;
                        };
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        /**
         * Create a graph
         * @description Rate limited per user (10 per minute by default).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewGraph"];
                };
            };
            responses: {
                /** @description The created graph */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Graph"];
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                413: components["responses"]["HTTP413PayloadTooLargeError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/graphs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one of my graphs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Graph id (UUID) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The graph */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Graph"];
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description No such graph (or not yours) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        /** Delete one of my graphs */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Graph id (UUID) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description No such graph (or not yours) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/graphs/{id}/icon": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the icon of one of my graphs
         * @description A PNG up to 256 KiB, sent as multipart/form-data (field `icon`).
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Graph id (UUID) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "multipart/form-data": {
                        /** Format: binary */
                        icon: Blob;
                    };
                };
            };
            responses: {
                /** @description The icon was stored */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            iconBytes: number;
                        };
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description No such graph (or not yours) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                413: components["responses"]["HTTP413PayloadTooLargeError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/store/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Browse the agent store
         * @description Public; signed-in callers also see which agents are theirs.
         */
        get: {
            parameters: {
                query?: {
                    featured?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Agents */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StoreAgent"][];
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/external/graphs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a graph with an API key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Graph id (UUID) */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The graph */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Graph"];
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description No such graph */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a browser session from a JWT */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Session cookie set (HttpOnly, SameSite=Lax) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            expiresInSeconds: number;
                        };
                    };
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
                /** @description The session store (Redis) is unavailable; no session was opened */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sessions/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The session of the cookie */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            userId: string;
                            securityIssues: string[];
                        };
                    };
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        put?: never;
        post?: never;
        /** Log out */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Session destroyed, cookie cleared */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** My stored credentials (masked) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Credentials, secrets masked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MaskedAPIKeyCredentials"][];
                    };
                };
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
                /** @description The credentials store is busy or unavailable; nothing was written */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Store an API key for a third-party provider
         * @description Encrypted at rest (AES-256-GCM); never returned in clear.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewAPIKeyCredentials"];
                };
            };
            responses: {
                /** @description Stored (secret masked) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MaskedAPIKeyCredentials"];
                    };
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description The user already holds the maximum number of credentials */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                413: components["responses"]["HTTP413PayloadTooLargeError"];
                429: components["responses"]["HTTP429TooManyRequestsError"];
                /** @description The credentials store is busy or unavailable; nothing was written */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/integrations/credentials/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete stored credentials */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                400: components["responses"]["HTTP400ValidationError"];
                401: components["responses"]["HTTP401NotAuthenticatedError"];
                /** @description No such credentials */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
                429: components["responses"]["HTTP429TooManyRequestsError"];
                /** @description The credentials store is busy or unavailable; nothing was written */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorDetailBody"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Me: {
            id: string;
            email: string;
            role: string;
            name?: string | null;
        };
        AdminStats: {
            graphs: number;
            owners: number;
        };
        Graph: {
            /** Format: uuid */
            id: string;
            name: string;
            description: string | null;
            nodes: components["schemas"]["GraphNode"][];
            ownerId: string;
            /** Format: date-time */
            createdAt: string;
        };
        GraphNode: {
            id: string;
            /** @enum {string} */
            type: "input" | "llm" | "tool" | "output";
        };
        NewGraph: {
            /** @example Daily digest */
            name: string;
            /** @default null */
            description?: string | null;
            /** @default [] */
            nodes?: components["schemas"]["GraphNode"][];
        };
        ErrorDetailBody: {
            detail: string;
        };
        StoreAgent: {
            id: string;
            name: string;
            featured: boolean;
            mine: boolean;
        };
        MaskedAPIKeyCredentials: {
            id: string;
            /** @enum {string} */
            type: "api_key";
            provider: string;
            title?: string | null;
            /** @example ******** */
            apiKey: string;
        };
        NewAPIKeyCredentials: {
            provider: string;
            apiKey: string;
            title?: string;
        };
    };
    responses: {
        /** @description Invalid request: every problem found in params, query, headers and body is listed. */
        HTTP400ValidationError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    detail: string | {
                        /** @enum {string} */
                        location: "params" | "query" | "headers" | "body";
                        path: string;
                        message: string;
                        code: string;
                    }[];
                };
            };
        };
        /** @description Authentication required */
        HTTP401NotAuthenticatedError: {
            headers: {
                /** @description Authentication challenge (RFC 6750 for bearer tokens). */
                "WWW-Authenticate"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    detail: string;
                };
            };
        };
        /** @description Forbidden: the caller is authenticated but not allowed to do this (e.g. admin only). */
        HTTP403ForbiddenError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    detail: string;
                };
            };
        };
        /** @description Payload too large: the JSON body exceeds the route limit. */
        HTTP413PayloadTooLargeError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    detail: string;
                };
            };
        };
        /** @description Too many requests: the rate limit is exhausted; retry after `Retry-After` seconds. */
        HTTP429TooManyRequestsError: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After": number;
                /** @description Requests allowed per window. */
                "X-RateLimit-Limit"?: number;
                /** @description Requests left in the current window. */
                "X-RateLimit-Remaining"?: number;
                /** @description Unix time (seconds) when the window resets. */
                "X-RateLimit-Reset"?: number;
                /** @description IETF RateLimit header (limit, remaining, reset). */
                RateLimit?: string;
                /** @description IETF RateLimit-Policy header (quota and window). */
                "RateLimit-Policy"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": {
                    detail: string | {
                        error: string;
                        message: string;
                        limit: number;
                        remaining: number;
                        reset: number;
                    };
                };
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
