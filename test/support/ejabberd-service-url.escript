%% -*- erlang -*-
%% Asks a service_url for an upload slot the way ejabberd's mod_http_upload does (create_slot/7
%% with service_url set; the same from 23.01 to 26.07): ejabberd's own misc:url_encode/1 for each
%% value, Erlang's httpc for the GET (no headers of its own, user info as Basic auth, 5 s timeout),
%% and the answer read as ejabberd reads it. Prints what ejabberd would make of it: "slot", the
%% PUT URL and the GET URL on three lines, or the stanza error condition.
%%
%% Input in the environment: EJABBERD_EBIN (ejabberd's ebin folder), and hex-encoded UTF-8 (so the
%% locale cannot change them) SERVICE_URL, JID, NAME, SIZE and CONTENT_TYPE (empty: the client named
%% none, and ejabberd sends application/octet-stream).
main(_) ->
    true = code:add_patha(os:getenv("EJABBERD_EBIN")),
    {ok, _} = application:ensure_all_started(inets),
    Env = fun(Name) -> binary:decode_hex(list_to_binary(os:getenv(Name, ""))) end,
    Type = case Env("CONTENT_TYPE") of <<>> -> <<"application/octet-stream">>; Given -> Given end,
    Url = iolist_to_binary([Env("SERVICE_URL"),
                            "?jid=", misc:url_encode(Env("JID")),
                            "&name=", misc:url_encode(Env("NAME")),
                            "&size=", misc:url_encode(Env("SIZE")),
                            "&content_type=", misc:url_encode(Type)]),
    Answer = httpc:request(get, {binary_to_list(Url), []}, [{timeout, 5000}],
                           [{body_format, binary}, {full_result, false}]),
    io:put_chars(read_answer(Answer)),
    halt(0).

read_answer({ok, {Code, Body}}) when Code >= 200, Code =< 299 ->
    case binary:split(Body, <<$\n>>, [global, trim]) of
        [<<"http", _/binary>> = Put, <<"http", _/binary>> = Get] -> ["slot\n", Put, "\n", Get, "\n"];
        _ -> "service-unavailable\n"
    end;
read_answer({ok, {402, _}}) -> "resource-constraint\n";
read_answer({ok, {403, _}}) -> "not-allowed\n";
read_answer({ok, {413, _}}) -> "not-acceptable\n";
read_answer({ok, {_, _}}) -> "service-unavailable\n";
read_answer({error, _}) -> "service-unavailable\n".
